import { type EpochRecord, type TrainingData, netSpec, withTrainingOverrides } from '@kfkd/model';
import { describe, expect, it } from 'vitest';
import type { ProgressLine } from './progress.ts';
import { RunReport, type RunReportOptions } from './run-report.ts';

const HEADER = ['  Epoch |  Train loss |  Valid loss | Train/Val |     Dur', '--------+-------------+-------------+-----------+--------'].join('\n');

/** 4 train rows at the centre, 2 valid rows 4.8 px off it in every column: the mean-keypoint predictor's RMSE is 4.800 px. */
function prepared(columns: readonly string[]): TrainingData {
  const rows = (n: number, target: number) => ({ rows: n, pixels: new Uint8Array(n * 9216), targets: new Float32Array(n * columns.length).fill(target) });
  return { columns, train: rows(4, 0), valid: rows(2, 0.1), sourceRows: 10 };
}

function record(epoch: number, validLoss: number, seconds = 0.5): EpochRecord {
  const trainLoss = validLoss * 2;
  return { epoch, trainLoss, validLoss, trainValidRatio: trainLoss / validLoss, validRmsePx: Math.sqrt(validLoss) * 48, learningRate: 0.01, momentum: 0.9, seconds };
}

/** A report whose lines and progress line are recorded (progress as `~text`, a clear as `~`). */
function recordedReport(options: Partial<RunReportOptions> = {}): { report: RunReport; lines: string[]; progress: string[] } {
  const lines: string[] = [];
  const progress: string[] = [];
  const line: ProgressLine = { update: (text) => progress.push(`~${text}`), clear: () => progress.push('~') };
  const spec = withTrainingOverrides(netSpec('net1'), { maxEpochs: 3, batchSize: 2 });
  const report = new RunReport({
    spec,
    dataFile: 'faces.csv',
    prepared: prepared(spec.columns),
    runDir: 'runs/r',
    distributed: false,
    print: (text) => lines.push(...text.split('\n')),
    progress: line,
    ...options,
  });
  return { report, lines, progress };
}

async function epochs(report: RunReport, records: readonly EpochRecord[]): Promise<void> {
  for (const r of records) await report.observer.onEpoch?.(r, () => {
    throw new Error('not asked for');
  });
}

describe('RunReport', () => {
  it('shows the banner, one table row per epoch under a single header, and the summary of a completed run', async () => {
    const { report, lines } = recordedReport();
    report.banner();
    await epochs(report, [record(1, 0.04, 0.123), record(2, 0.01, 12.5)]);
    report.summary({ history: [record(1, 0.04), record(2, 0.01)], stopReason: 'completed', bestEpoch: null }, 'runs/r/model');
    expect(lines).toEqual([
      "training net1 on faces.csv: 4 train / 2 valid rows (of 10; rows missing any of the net's 30 columns are dropped), 3 epochs, batch 2",
      'run directory: runs/r',
      '',
      ...HEADER.split('\n'),
      '      1 |    0.080000 |    0.040000 |   2.00000 |   0.12s',
      '      2 |    0.020000 |    0.010000 |   2.00000 |  12.50s',
      '',
      'valid RMSE 4.800 px (mean-keypoint predictor: 4.800 px)',
      'saved model to runs/r/model',
    ]);
  });

  it('says "distributed" and "flips" in the banner of a distributed run of a net that flips', () => {
    const spec = withTrainingOverrides(netSpec('net3'), { maxEpochs: 3000, batchSize: 128 });
    const { report, lines } = recordedReport({ spec, prepared: prepared(spec.columns), distributed: true });
    report.banner();
    expect(lines[0]).toBe(
      "training net3 on faces.csv: 4 train / 2 valid rows (of 10; rows missing any of the net's 30 columns are dropped), 3000 epochs, batch 128, flips, distributed",
    );
  });

  it("after early stopping, names the best epoch and reports that epoch's RMSE, not the last one's", () => {
    const { report, lines } = recordedReport();
    const history = [record(1, 0.04), record(2, 0.0025), record(3, 0.09)];
    report.summary({ history, stopReason: 'early-stopping', bestEpoch: 2 }, 'runs/r/model');
    expect(lines).toEqual(['', 'early stopping: best valid loss at epoch 2, its weights restored', 'valid RMSE 2.400 px (mean-keypoint predictor: 4.800 px)', 'saved model to runs/r/model']);
  });

  it('after an interruption, says how many epochs are complete, and where the checkpoint is when the run has one', () => {
    const history = [record(1, 0.04)];
    const single = recordedReport();
    single.report.summary({ history, stopReason: 'aborted', bestEpoch: null }, 'runs/r/model');
    expect(single.lines[1]).toBe('interrupted after 1 complete epochs');
    const distributed = recordedReport({ distributed: true });
    distributed.report.summary({ history, stopReason: 'aborted', bestEpoch: null }, 'runs/r/model');
    expect(distributed.lines[1]).toBe('interrupted after 1 complete epochs; checkpoint saved in runs/r');
    // Interrupted before any epoch ended: no RMSE to tell.
    const early = recordedReport();
    early.report.summary({ history: [], stopReason: 'aborted', bestEpoch: null }, 'runs/r/model');
    expect(early.lines).toEqual(['', 'interrupted after 0 complete epochs', 'saved model to runs/r/model']);
  });

  it('shows a resumed run its epochs so far under the header, then goes on with the same table', async () => {
    const { report, lines } = recordedReport({ distributed: true });
    report.resumed({ epoch: 3, step: 0, history: [record(1, 0.04), record(2, 0.01)] });
    await epochs(report, [record(3, 0.0025)]);
    expect(lines).toEqual([
      'resuming from the checkpoint in runs/r: epoch 3, step 0',
      ...HEADER.split('\n'),
      '      1 |    0.080000 |    0.040000 |   2.00000 |   0.50s',
      '      2 |    0.020000 |    0.010000 |   2.00000 |   0.50s',
      '      3 |    0.005000 |    0.002500 |   2.00000 |   0.50s',
    ]);
  });

  it('shows no header for a resume before the first epoch ended, and one before the first row', async () => {
    const { report, lines } = recordedReport({ distributed: true });
    report.resumed({ epoch: 1, step: 7, history: [] });
    expect(lines).toEqual(['resuming from the checkpoint in runs/r: epoch 1, step 7']);
    await epochs(report, [record(1, 0.04)]);
    expect(lines.slice(1)).toEqual([...HEADER.split('\n'), '      1 |    0.080000 |    0.040000 |   2.00000 |   0.50s']);
  });

  it("shows the steps' progress on the progress line and clears it before each row and the summary", async () => {
    const { report, progress } = recordedReport();
    await report.observer.onStep?.({ epoch: 1, step: 0, steps: 3, stepLoss: 0.1234567 });
    await epochs(report, [record(1, 0.04)]);
    report.summary({ history: [record(1, 0.04)], stopReason: 'completed', bestEpoch: null }, 'runs/r/model');
    expect(progress).toEqual(['~epoch 1: step 1/3, batch loss 0.123457', '~', '~']);
  });
});
