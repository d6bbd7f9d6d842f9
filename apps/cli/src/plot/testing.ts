/** Fake training histories for the plot tests. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { historyLine, rmsePx, type EpochRecord } from '@kfkd/model';

/** A smooth run of `epochs` epochs whose losses fall from `start` towards `floor` (valid above train after a while). */
export function fakeRecords(epochs: number, start = 0.05, floor = 0.002): EpochRecord[] {
  return Array.from({ length: epochs }, (_, i) => {
    const trainLoss = floor + (start - floor) * Math.exp(-i / 3);
    const validLoss = 1.3 * floor + (0.6 * start - floor) * Math.exp(-i / 4);
    return {
      epoch: i + 1,
      trainLoss,
      validLoss,
      trainValidRatio: trainLoss / validLoss,
      validRmsePx: rmsePx(validLoss),
      learningRate: 0.01,
      momentum: 0.9,
      seconds: 0.5,
    };
  });
}

/** Writes `<parent>/<name>/history.jsonl` and returns the run directory. */
export async function writeFakeRun(parent: string, name: string, records: readonly EpochRecord[] | string): Promise<string> {
  const dir = join(parent, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'history.jsonl'), typeof records === 'string' ? records : records.map(historyLine).join(''));
  return dir;
}
