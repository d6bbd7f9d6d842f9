import { Command } from 'commander';
import { backendOption } from '../backend-flag.ts';
import { UsageError } from '../failure.ts';
import { stringOption } from '../options.ts';
import type { PredictFlags } from '../prediction-run.ts';

const MERGE_HELP = `
Several models (the tutorial's specialists, or a general net and specialists):
  One --model writes that model's own columns, as trained. Several --model, or
  --fallback, write all 30 keypoint columns in Kaggle order, each from the one
  model that predicts it. A column none of them predicts, or that two --model
  models both predict, is refused (exit 2) naming the columns and the models.
  The --fallback model supplies only the columns the --model models do not
  predict: they win on theirs. With --lookup, every FeatureName the table asks
  for must be predicted, or nothing is written (exit 2). Every model predicts
  the same faces, unflipped (flips are a training matter).

  kfkd predict --model runs/s1 runs/s2 runs/s3 runs/s4 runs/s5 runs/s6 --data test.csv ...
  kfkd predict --fallback runs/final --model runs/s1 --model runs/s5 --data test.csv ...
`;

export function predictCommand(): Command {
  return new Command('predict')
    .description(
      'Predict keypoints with a saved model, or several merged: writes ImageId plus the keypoint columns in pixels (clipped to [0,96]), ' +
        'optionally the Kaggle submission and the tutorial\'s 4x4 grid of faces with predicted keypoints.',
    )
    .addOption(
      stringOption('--model <dir...>', 'a run directory or its model/ directory; repeat it (or list several) to merge models that predict different columns').makeOptionMandatory(),
    )
    .addOption(stringOption('--fallback <dir>', 'a model (e.g. the general net) for the columns no --model predicts; the --model models win on theirs'))
    .addOption(stringOption('--data <file>', 'test.csv (ImageId,Image) or a training.csv (rows numbered from 1)').makeOptionMandatory())
    .addOption(stringOption('--out <file>', 'predictions CSV to write', 'predictions.csv'))
    .addOption(stringOption('--lookup <file>', 'IdLookupTable.csv; with --submission writes the Kaggle submission (the models must predict every FeatureName it asks for)'))
    .addOption(stringOption('--submission <file>', 'Kaggle submission to write (RowId,Location); needs --lookup'))
    .addOption(stringOption('--grid <png>', 'PNG of the first 16 faces with predicted keypoints (red) and labels if known (green)'))
    .addOption(backendOption())
    .addHelpText('after', MERGE_HELP)
    .action(async (flags: PredictFlags) => {
      if (Boolean(flags.lookup) !== Boolean(flags.submission)) throw new UsageError('--lookup and --submission go together');
      const { runPrediction } = await import('../prediction-run.ts');
      await runPrediction(flags);
    });
}
