import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command } from 'commander';
import { DEFAULT_LABEL_ALL_FRACTION, synthesize, synthesizeLookup, writeLookupTable, writeTestCsv, writeTrainingCsv } from '@kfkd/data';
import { ensureParentDir } from '../files.ts';
import { booleanOption, fractionOption, integerOption, stringOption } from '../options.ts';

interface SynthFlags {
  rows: number;
  labelAll: number;
  seed: number;
  out: string;
  test?: boolean;
  lookup?: string;
}

export function synthCommand(): Command {
  return new Command('synth')
    .description(
      'Write Kaggle-format CSV of procedurally rendered 96x96 faces with exact keypoints (the embedded default data set). ' +
        'About 70% of rows label only the eye centres, nose tip and bottom lip, as in Kaggle\'s training.csv.',
    )
    .addOption(integerOption('--rows <n>', 'number of faces', 2000, 1))
    .addOption(integerOption('--seed <n>', 'random seed; the same seed writes the same file', 42))
    .addOption(fractionOption('--label-all <fraction>', 'share of rows that label all 30 columns (the rest label 8)', DEFAULT_LABEL_ALL_FRACTION))
    .addOption(stringOption('--out <file>', 'CSV file to write', 'training.csv'))
    .addOption(booleanOption('--test', 'write the test format (ImageId,Image) and a matching IdLookupTable.csv'))
    .addOption(stringOption('--lookup <file>', 'with --test: where to write the lookup table (default: IdLookupTable.csv beside --out)'))
    .action(async (flags: SynthFlags) => {
      const started = performance.now();
      const { pixels, targets } = synthesize({ rows: flags.rows, seed: flags.seed, labelAllFraction: flags.labelAll });
      await ensureParentDir(flags.out);
      if (flags.test) {
        const lookupFile = flags.lookup ?? join(dirname(flags.out), 'IdLookupTable.csv');
        await ensureParentDir(lookupFile);
        await writeTestCsv(flags.out, pixels);
        const lookup = synthesizeLookup({ images: flags.rows, seed: flags.seed, labelAllFraction: flags.labelAll });
        await writeLookupTable(lookupFile, lookup);
        console.log(`wrote ${lookupFile}: ${lookup.length} lookup rows`);
      } else {
        await writeTrainingCsv(flags.out, pixels, targets);
      }
      const seconds = (performance.now() - started) / 1000;
      const megabytes = statSync(flags.out).size / 1e6;
      console.log(
        `wrote ${flags.out}: ${flags.rows} ${flags.test ? 'test' : 'training'} faces, seed ${flags.seed}, ` +
          `${megabytes.toFixed(1)} MB in ${seconds.toFixed(2)} s (${Math.round(flags.rows / seconds)} faces/s)`,
      );
    });
}
