import { Command, Option } from 'commander';
import { BACKEND_CHOICES, type BackendChoice } from '@kfkd/model/backend-choice';
import { envName, integerOption } from '../options.ts';
import { type TrainingFlags, addTrainingFlags } from '../training-setup.ts';
import { addCoordinatorFlags } from './coordinator.ts';

export interface LocalFlags extends TrainingFlags {
  workers: number;
  backend: BackendChoice;
  listen: string;
  minWorkers?: number;
  stepTimeout: number;
  heartbeatTimeout: number;
  resumeFrom: 'latest' | 'previous';
}

export function localCommand(): Command {
  const command = addTrainingFlags(
    new Command('local').description(
      'Distributed training on this machine: start a coordinator and N workers as child processes on loopback ' +
        '(with a fresh shared token), print the epoch table, forward Ctrl-C, and stop them all at the end.',
    ),
  )
    .addOption(integerOption('--workers <n>', 'number of worker processes', 2, 1))
    .addOption(new Option('--backend <name>', "workers' tfjs backend").choices(BACKEND_CHOICES).default('auto').env(envName('--backend')));
  addCoordinatorFlags(command, '127.0.0.1:0');
  return command.action(async (flags: LocalFlags, cmd: Command) => {
    // --min-workers defaults to all of them here, so every worker takes part from the first step.
    if (cmd.getOptionValueSource('minWorkers') === 'default') flags.minWorkers = flags.workers;
    const { runLocal } = await import('../local-run.ts');
    await runLocal(flags);
  });
}
