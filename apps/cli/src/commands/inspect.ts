import { writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import {
  KEYPOINT_COLUMNS,
  LABEL_COLOR,
  readKaggleCsv,
  renderFaceGrid,
  selectComplete,
  type KaggleTrainingData,
} from '@kfkd/data';
import { ensureParentDir } from '../files.ts';
import { stringOption } from '../options.ts';

interface InspectFlags {
  grid?: string;
}

export function inspectCommand(): Command {
  return new Command('inspect')
    .description(
      'Summarise a Kaggle training.csv or test.csv: row count, per-column counts (like pandas df.count()), ' +
        'complete rows and keypoint means in pixels.',
    )
    .argument('<file>', 'training.csv or test.csv (Kaggle format)')
    .addOption(stringOption('--grid <png>', 'also write a PNG of the first 16 faces with their labelled keypoints'))
    .action(async (file: string, flags: InspectFlags) => {
      const started = performance.now();
      const data = await readKaggleCsv(file);
      const seconds = (performance.now() - started) / 1000;
      console.log(`${file}: ${data.format} format, ${data.rows} rows (read in ${seconds.toFixed(2)} s)`);
      console.log('');
      if (data.format === 'training') printTrainingSummary(data);
      else printCounts(data.counts);
      if (flags.grid) {
        const layers = data.format === 'training' ? [{ points: data.targets, width: KEYPOINT_COLUMNS.length, color: LABEL_COLOR }] : [];
        await ensureParentDir(flags.grid);
        await writeFile(flags.grid, renderFaceGrid({ pixels: data.pixels, layers }));
        console.log(`\nwrote ${flags.grid}: the first ${Math.min(16, data.rows)} faces${layers.length ? ' with their keypoints' : ''}`);
      }
    });
}

function printCounts(counts: Readonly<Record<string, number>>): void {
  const width = Math.max(...Object.keys(counts).map((k) => k.length));
  for (const [column, count] of Object.entries(counts)) console.log(`${column.padEnd(width)}  ${String(count).padStart(6)}`);
}

function printTrainingSummary(data: KaggleTrainingData): void {
  const complete = selectComplete(data).rows;
  const width = Math.max(...KEYPOINT_COLUMNS.map((k) => k.length));
  console.log(`${'column'.padEnd(width)}  ${'count'.padStart(6)}  ${'mean px'.padStart(8)}`);
  KEYPOINT_COLUMNS.forEach((column, c) => {
    const mean = columnMean(data.targets, KEYPOINT_COLUMNS.length, c);
    console.log(`${column.padEnd(width)}  ${String(data.counts[column]).padStart(6)}  ${Number.isNaN(mean) ? '       -' : mean.toFixed(3).padStart(8)}`);
  });
  console.log(`${'Image'.padEnd(width)}  ${String(data.counts.Image).padStart(6)}`);
  console.log('');
  console.log(`complete rows (all 30 keypoints): ${complete} of ${data.rows} (${((100 * complete) / data.rows).toFixed(1)}%)`);
}

/** Mean of the present values of one column (NaN when it has none). */
function columnMean(targets: Float32Array, width: number, column: number): number {
  let sum = 0;
  let n = 0;
  for (let i = column; i < targets.length; i += width) {
    const v = targets[i];
    if (!Number.isNaN(v)) {
      sum += v;
      n++;
    }
  }
  return n === 0 ? NaN : sum / n;
}
