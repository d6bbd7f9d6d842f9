/**
 * The rows a net trains on: the data set's rows where all of the net's columns
 * are present, shuffled once with the seed and split nolearn's way (the first
 * ceil(n/5) shuffled rows validate). Targets are stored scaled, ready for
 * the loss; pixels stay uint8.
 */
import { type KeypointDataset, gather, scaleTargets, selectComplete, shuffleSplit } from '@kfkd/data';
import { ColumnsMismatchError } from '../errors.ts';
import type { NetSpec } from '../net-specs/index.ts';

export interface TrainingRows {
  readonly rows: number;
  /** rows x 9216 grey levels. */
  readonly pixels: Uint8Array;
  /** rows x outputs, scaled units ((px - 48) / 48). */
  readonly targets: Float32Array;
}

export interface TrainingData {
  readonly columns: readonly string[];
  readonly train: TrainingRows;
  readonly valid: TrainingRows;
  /** Rows of the data set before dropping incomplete ones. */
  readonly sourceRows: number;
}

export function prepareTrainingData(data: KeypointDataset, spec: NetSpec, seed: number): TrainingData {
  const missing = spec.columns.filter((c) => !data.columns.includes(c));
  if (missing.length > 0) throw new ColumnsMismatchError(spec.name, missing);
  const complete = selectComplete(data, spec.columns);
  if (complete.rows < 2) throw new ColumnsMismatchError(spec.name, [], complete.rows);
  const split = shuffleSplit(complete, { seed, validFraction: spec.training.evalSize });
  const part = (indices: Uint32Array): TrainingRows => {
    const rows = gather(complete, indices);
    return { rows: rows.rows, pixels: rows.pixels, targets: scaleTargets(rows.targets) };
  };
  return { columns: spec.columns, train: part(split.train), valid: part(split.valid), sourceRows: data.rows };
}

/** Copies the given rows of a part into a contiguous batch. */
export function batchOf(part: TrainingRows, rows: Uint32Array): { pixels: Uint8Array; targets: Float32Array } {
  const pixelWidth = part.pixels.length / part.rows;
  const targetWidth = part.targets.length / part.rows;
  const pixels = new Uint8Array(rows.length * pixelWidth);
  const targets = new Float32Array(rows.length * targetWidth);
  rows.forEach((r, i) => {
    pixels.set(part.pixels.subarray(r * pixelWidth, (r + 1) * pixelWidth), i * pixelWidth);
    targets.set(part.targets.subarray(r * targetWidth, (r + 1) * targetWidth), i * targetWidth);
  });
  return { pixels, targets };
}

/**
 * Validation loss of the baseline that always predicts the training rows'
 * mean keypoints: the number a net has to beat to show it looks at the image.
 */
export function meanPredictorLoss(data: TrainingData): number {
  const width = data.columns.length;
  const means = new Float64Array(width);
  const { train, valid } = data;
  for (let i = 0; i < train.targets.length; i++) means[i % width] += train.targets[i];
  for (let c = 0; c < width; c++) means[c] /= train.rows;
  let sum = 0;
  for (let i = 0; i < valid.targets.length; i++) {
    const d = valid.targets[i] - means[i % width];
    sum += d * d;
  }
  return sum / valid.targets.length;
}
