import { IMAGE_SIDE, IMAGE_PIXELS, flipPairsFor } from './keypoints.ts';
import type { Rng } from './rng.ts';

/** How to mirror the targets of one column subset (the general net's 30, or a specialist's group). */
export interface FlipSpec {
  /** Number of target columns. */
  readonly width: number;
  /** Indices of the x-coordinate columns, negated (in scaled units) when a face is mirrored. */
  readonly xColumns: readonly number[];
  /** Pairs of column indices that trade places when a face is mirrored. */
  readonly pairs: readonly (readonly [number, number])[];
}

/**
 * The flip spec of a column subset. `pairs` defaults to the tutorial's pairs
 * restricted to these columns; specialists pass the pairs the reference gives them.
 */
export function flipSpecFor(columns: readonly string[], pairs?: readonly (readonly [number, number])[]): FlipSpec {
  const resolved = pairs ?? flipPairsFor(columns);
  for (const [a, b] of resolved) {
    if (!(a >= 0 && a < columns.length && b >= 0 && b < columns.length)) {
      throw new RangeError(`flip pair (${a},${b}) is outside the ${columns.length} selected columns`);
    }
  }
  const xColumns: number[] = [];
  columns.forEach((c, i) => {
    if (c.endsWith('_x')) xColumns.push(i);
  });
  return { width: columns.length, xColumns, pairs: resolved };
}

/**
 * Which samples of a batch to mirror: exactly floor(batchSize/2) distinct
 * samples chosen uniformly at random, as nolearn's FlipBatchIterator does.
 * Returns a 0/1 mask of length batchSize.
 */
export function chooseFlips(batchSize: number, rng: Rng): Uint8Array {
  const mask = new Uint8Array(batchSize);
  const order = rng.permutation(batchSize);
  for (let i = 0; i < Math.floor(batchSize / 2); i++) mask[order[i]] = 1;
  return mask;
}

/** Mirrors sample `index` of a batch of 96x96 images (any typed array, N x 9216) left to right, in place. */
export function mirrorImageInPlace(images: Float32Array | Uint8Array, index: number): void {
  const base = index * IMAGE_PIXELS;
  for (let r = 0; r < IMAGE_SIDE; r++) {
    const row = base + r * IMAGE_SIDE;
    for (let c = 0; c < IMAGE_SIDE / 2; c++) {
      const t = images[row + c];
      images[row + c] = images[row + IMAGE_SIDE - 1 - c];
      images[row + IMAGE_SIDE - 1 - c] = t;
    }
  }
}

/** Mirrors the scaled targets (y = (px-48)/48) of sample `index`, in place: negate x columns, swap pairs. */
export function mirrorTargetsInPlace(targets: Float32Array, index: number, spec: FlipSpec): void {
  const base = index * spec.width;
  for (const c of spec.xColumns) targets[base + c] = -targets[base + c];
  for (const [a, b] of spec.pairs) {
    const t = targets[base + a];
    targets[base + a] = targets[base + b];
    targets[base + b] = t;
  }
}

/** Applies a flip mask to a batch: mirrors every image and target row whose mask entry is 1. */
export function applyFlips(images: Float32Array | Uint8Array, targets: Float32Array | null, mask: Uint8Array, spec: FlipSpec): void {
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    mirrorImageInPlace(images, i);
    if (targets) mirrorTargetsInPlace(targets, i, spec);
  }
}
