import { Command, Option } from 'commander';
import { BACKEND_CHOICES, type BackendChoice } from '@kfkd/model/backend-choice';
import { envName, integerOption, numberOption, stringOption } from '../options.ts';

export interface TrainFlags {
  net: string;
  data: string;
  cols?: string;
  epochs?: number;
  batch: number;
  lr?: number;
  momentum?: number;
  seed: number;
  runDir?: string;
  backend: BackendChoice;
  initFrom?: string;
}

export function trainCommand(): Command {
  return new Command('train')
    .description(
      'Train one net in this process and print the tutorial\'s epoch table. The run directory receives config.json, ' +
        'history.jsonl (one line per epoch) and the model in tfjs Layers format (model/).',
    )
    .addOption(stringOption('--net <name>', 'net1..net7, final, tinyconv-test, or <net>-specialist-<1..6>', 'net1'))
    .addOption(stringOption('--data <file>', 'Kaggle-format training.csv (make one with `kfkd synth`)').makeOptionMandatory())
    .addOption(
      stringOption('--cols <keypoints>', 'train a specialist on these keypoints (comma-separated names, e.g. nose_tip,left_eye_center)'),
    )
    .addOption(integerOption('--epochs <n>', "number of epochs; schedules span them (default: the net's own, e.g. 400 for net1)", undefined, 1))
    .addOption(integerOption('--batch <n>', 'batch size', 128, 1))
    .addOption(numberOption('--lr <rate>', "constant learning rate instead of the net's own schedule", (v) => v > 0, 'a positive number'))
    .addOption(numberOption('--momentum <mu>', "constant momentum instead of the net's own schedule", (v) => v >= 0 && v < 1, 'a number in [0, 1)'))
    .addOption(integerOption('--seed <n>', 'seed of the data split, initial weights, flips and dropout', 42))
    .addOption(stringOption('--run-dir <dir>', 'where the model, config and history go (default: runs/<net>-<time>)'))
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(BACKEND_CHOICES).default('auto').env(envName('--backend')))
    .addOption(stringOption('--init-from <dir>', 'start from a saved model\'s weights wherever shapes match (specialist pre-training)'))
    .action(async (flags: TrainFlags) => {
      // Loaded on use: TensorFlow.js takes seconds to import, which other commands need not pay.
      const { runTraining } = await import('../training-run.ts');
      await runTraining(flags);
    });
}
