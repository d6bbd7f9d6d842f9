import { Command } from 'commander';
import { backendOption } from '../backend-flag.ts';
import { exitCodeHelp } from '../failure.ts';
import { addTrainingFlags } from '../training-setup.ts';
import type { TrainFlags } from '../training-run.ts';

export function trainCommand(): Command {
  return addTrainingFlags(
    new Command('train').description(
      'Train one net in this process and print the tutorial\'s epoch table. The run directory receives config.json, ' +
        'history.jsonl (one line per epoch) and the model in tfjs Layers format (model/).',
    ),
  )
    .addOption(backendOption())
    .addHelpText('after', exitCodeHelp())
    .action(async (flags: TrainFlags) => {
      // Loaded on use: TensorFlow.js takes seconds to import, which other commands need not pay.
      const { runTraining } = await import('../training-run.ts');
      process.exitCode = await runTraining(flags);
    });
}
