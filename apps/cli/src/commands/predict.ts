import { Command } from 'commander';
import { backendOption } from '../backend-flag.ts';
import { UsageError } from '../failure.ts';
import { stringOption } from '../options.ts';
import type { PredictFlags } from '../prediction-run.ts';

export function predictCommand(): Command {
  return new Command('predict')
    .description(
      'Predict keypoints with a saved model: writes ImageId plus the model\'s keypoint columns in pixels (clipped to [0,96]), ' +
        'optionally the Kaggle submission and the tutorial\'s 4x4 grid of faces with predicted keypoints.',
    )
    .addOption(stringOption('--model <dir>', 'a run directory or its model/ directory').makeOptionMandatory())
    .addOption(stringOption('--data <file>', 'test.csv (ImageId,Image) or a training.csv (rows numbered from 1)').makeOptionMandatory())
    .addOption(stringOption('--out <file>', 'predictions CSV to write', 'predictions.csv'))
    .addOption(stringOption('--lookup <file>', 'IdLookupTable.csv; with --submission writes the Kaggle submission'))
    .addOption(stringOption('--submission <file>', 'Kaggle submission to write (RowId,Location); needs --lookup'))
    .addOption(stringOption('--grid <png>', 'PNG of the first 16 faces with predicted keypoints (red) and labels if known (green)'))
    .addOption(backendOption())
    .action(async (flags: PredictFlags) => {
      if (Boolean(flags.lookup) !== Boolean(flags.submission)) throw new UsageError('--lookup and --submission go together');
      const { runPrediction } = await import('../prediction-run.ts');
      await runPrediction(flags);
    });
}
