import { ALWAYS_LABELLED, IMAGE_PIXELS, KEYPOINT_COLUMNS } from '../keypoints.ts';
import { Rng } from '../rng.ts';
import { renderFace } from './render-face.ts';

export interface SynthesizeOptions {
  rows: number;
  seed: number;
  /** Share of rows that label all 30 columns; the rest label only the 8 ALWAYS_LABELLED ones. Default 0.3, as on Kaggle. */
  labelAllFraction?: number;
  /** Index of the first row, for generating a large set in chunks. Default 0. */
  firstRow?: number;
}

export interface SyntheticSet {
  /** rows x 9216 grey levels, row-major 96x96 images. */
  pixels: Uint8Array;
  /** rows x 30 keypoint columns in image pixels; NaN where a row is unlabelled. */
  targets: Float32Array;
}

export const DEFAULT_LABEL_ALL_FRACTION = 0.3;

const COLUMNS = KEYPOINT_COLUMNS.length;

/** Columns (indices into KEYPOINT_COLUMNS) labelled in every row. */
export const ALWAYS_LABELLED_COLUMNS: readonly number[] = KEYPOINT_COLUMNS.flatMap((name, c) =>
  ALWAYS_LABELLED.some((k) => name === `${k}_x` || name === `${k}_y`) ? [c] : [],
);

/** murmur3's 32-bit finaliser. */
function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The generator of row `row` of the set with this seed. A row depends only on
 * (seed, row), so a set can be generated in chunks or in parallel and still
 * be identical.
 */
export function rowRng(seed: number, row: number): Rng {
  return new Rng(mix32((mix32(seed >>> 0) + row) >>> 0));
}

/** Whether a row labels all 30 columns: the first draw of the row's generator, before its face. */
export function drawFullLabels(rng: Rng, labelAllFraction: number): boolean {
  return rng.next() < labelAllFraction;
}

/** Renders `rows` faces with Kaggle's pattern of missing labels. Same options, byte-identical output. */
export function synthesize(options: SynthesizeOptions): SyntheticSet {
  const { rows, seed, labelAllFraction = DEFAULT_LABEL_ALL_FRACTION, firstRow = 0 } = options;
  if (!Number.isInteger(rows) || rows < 0) throw new RangeError(`rows must be a non-negative integer, got ${rows}`);
  if (!(labelAllFraction >= 0 && labelAllFraction <= 1)) throw new RangeError(`labelAllFraction must be in [0, 1], got ${labelAllFraction}`);
  const pixels = new Uint8Array(rows * IMAGE_PIXELS);
  const targets = new Float32Array(rows * COLUMNS);
  const keypoints = new Float32Array(COLUMNS);
  for (let r = 0; r < rows; r++) {
    const rng = rowRng(seed, firstRow + r);
    const full = drawFullLabels(rng, labelAllFraction);
    renderFace(rng, pixels.subarray(r * IMAGE_PIXELS, (r + 1) * IMAGE_PIXELS), keypoints);
    const out = targets.subarray(r * COLUMNS, (r + 1) * COLUMNS);
    if (full) {
      out.set(keypoints);
    } else {
      out.fill(NaN);
      for (const c of ALWAYS_LABELLED_COLUMNS) out[c] = keypoints[c];
    }
  }
  return { pixels, targets };
}
