import { didYouMean } from './errors.ts';
import { IMAGE_PIXELS } from './keypoints.ts';
import { Rng } from './rng.ts';

/**
 * Face images with keypoint targets, both in the units of the Kaggle files.
 * Images stay uint8 (9216 bytes each, a quarter of float32); scaling to the
 * nets' units happens only when a batch is materialised (materialiseBatch).
 */
export interface KeypointDataset {
  /** rows x 9216 grey levels 0..255; each image is 96x96, row-major. */
  readonly pixels: Uint8Array;
  /** rows x columns.length keypoint coordinates in PIXELS (about 0..96), unscaled; NaN where the value is missing. */
  readonly targets: Float32Array;
  /** The names of the target columns, e.g. KEYPOINT_COLUMNS or a specialist's subset. */
  readonly columns: readonly string[];
  readonly rows: number;
}

/** Half the image side: targets are scaled as (px - 48) / 48 to lie in about [-1, 1]. */
export const TARGET_SCALE_PX = 48;

/**
 * The rows where every one of `columns` is present, with only those columns
 * (in the order given), copied into a new data set. This is the tutorial's
 * `df[cols].dropna()`; by default all the data set's columns are kept.
 */
export function selectComplete(data: KeypointDataset, columns: readonly string[] = data.columns): KeypointDataset {
  const source = sourceColumns(data.columns, columns);
  const width = data.columns.length;
  const complete: number[] = [];
  for (let r = 0; r < data.rows; r++) {
    if (source.every((c) => !Number.isNaN(data.targets[r * width + c]))) complete.push(r);
  }
  const picked = gather(data, complete);
  const targets = new Float32Array(complete.length * source.length);
  complete.forEach((r, i) => {
    source.forEach((c, j) => {
      targets[i * source.length + j] = data.targets[r * width + c];
    });
  });
  return { pixels: picked.pixels, targets, columns: [...columns], rows: complete.length };
}

/** Index of each requested column in `available`; throws a RangeError naming any unknown or repeated one. */
function sourceColumns(available: readonly string[], requested: readonly string[]): number[] {
  if (requested.length === 0) throw new RangeError('select at least one column');
  return requested.map((name, i) => {
    const index = available.indexOf(name);
    if (index < 0) throw new RangeError(`unknown column ${name}${didYouMean(name, available)}`);
    if (requested.indexOf(name) !== i) throw new RangeError(`column ${name} is selected twice`);
    return index;
  });
}

export interface SplitOptions {
  /** Seed of the one shuffle; 42 as in the tutorial. */
  readonly seed?: number;
  /** Fraction held out for validation (nolearn's eval_size); 0.2 by default, 0 for no validation set. */
  readonly validFraction?: number;
}

/** Row indices into the data set that was split, in shuffled order. */
export interface SplitIndices {
  readonly train: Uint32Array;
  readonly valid: Uint32Array;
}

/**
 * Shuffles the rows once with a seeded Rng and splits them as nolearn does:
 * validation is the FIRST fold of KFold(n, round(1 / validFraction)) of the
 * shuffled rows, i.e. its first ceil(n/5) rows for the default 0.2 (2140 rows
 * give 428 valid, 1712 train); the rest is training, in shuffled order.
 *
 * Returns index arrays rather than copies, so a coordinator can ship shards
 * by index; `gather` or `materialiseBatch` turn indices into data.
 */
export function shuffleSplit(data: { readonly rows: number }, options: SplitOptions = {}): SplitIndices {
  const { seed = 42, validFraction = 0.2 } = options;
  const order = new Rng(seed).permutation(data.rows);
  const validCount = validationSize(data.rows, validFraction);
  return { valid: order.slice(0, validCount), train: order.slice(validCount) };
}

/** ceil(n / folds) with folds = round(1 / validFraction): the size of the first KFold fold. */
export function validationSize(rows: number, validFraction: number): number {
  if (validFraction === 0) return 0;
  const folds = Math.round(1 / validFraction);
  if (!(validFraction > 0 && validFraction < 1) || folds < 2) {
    throw new RangeError(`validFraction must be 0 or in (0, 2/3), got ${validFraction}`);
  }
  return Math.ceil(rows / folds);
}

/** A new data set holding the given rows, in the order given (indices may repeat). */
export function gather(data: KeypointDataset, indices: ArrayLike<number>): KeypointDataset {
  const width = data.columns.length;
  const pixels = new Uint8Array(indices.length * IMAGE_PIXELS);
  const targets = new Float32Array(indices.length * width);
  for (let i = 0; i < indices.length; i++) {
    const r = checkedRow(data, indices[i]);
    pixels.set(data.pixels.subarray(r * IMAGE_PIXELS, (r + 1) * IMAGE_PIXELS), i * IMAGE_PIXELS);
    targets.set(data.targets.subarray(r * width, (r + 1) * width), i * width);
  }
  return { pixels, targets, columns: data.columns, rows: indices.length };
}

/** A batch in the nets' units: x = pixels / 255 (N x 9216, also N x 96 x 96 x 1), y = (px - 48) / 48. */
export interface ScaledBatch {
  readonly x: Float32Array;
  readonly y: Float32Array;
}

/** Scales the given rows straight into float32 batch arrays, without an intermediate uint8 copy. */
export function materialiseBatch(data: KeypointDataset, indices: ArrayLike<number>): ScaledBatch {
  const width = data.columns.length;
  const x = new Float32Array(indices.length * IMAGE_PIXELS);
  const y = new Float32Array(indices.length * width);
  for (let i = 0; i < indices.length; i++) {
    const r = checkedRow(data, indices[i]);
    scalePixelsInto(data.pixels, r * IMAGE_PIXELS, IMAGE_PIXELS, x, i * IMAGE_PIXELS);
    for (let c = 0; c < width; c++) y[i * width + c] = scaleTarget(data.targets[r * width + c]);
  }
  return { x, y };
}

function checkedRow(data: KeypointDataset, index: number): number {
  if (!(Number.isInteger(index) && index >= 0 && index < data.rows)) {
    throw new RangeError(`row index ${index} is outside the data set's ${data.rows} rows`);
  }
  return index;
}

/** Grey levels 0..255 to float32 in [0, 1]. */
export function scalePixels(pixels: Uint8Array): Float32Array {
  const out = new Float32Array(pixels.length);
  scalePixelsInto(pixels, 0, pixels.length, out, 0);
  return out;
}

function scalePixelsInto(pixels: Uint8Array, from: number, count: number, out: Float32Array, to: number): void {
  for (let i = 0; i < count; i++) out[to + i] = pixels[from + i] / 255;
}

/** Pixel coordinates to the nets' units, (px - 48) / 48. NaN stays NaN. */
export function scaleTargets(targetsPx: Float32Array): Float32Array {
  return targetsPx.map(scaleTarget);
}

/** The nets' units back to pixel coordinates, y * 48 + 48. */
export function unscaleTargets(scaled: Float32Array): Float32Array {
  return scaled.map((y) => y * TARGET_SCALE_PX + TARGET_SCALE_PX);
}

function scaleTarget(px: number): number {
  return (px - TARGET_SCALE_PX) / TARGET_SCALE_PX;
}
