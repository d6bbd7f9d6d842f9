import type { IdLookupRow } from '../kaggle-csv-writer.ts';
import { KEYPOINT_COLUMNS } from '../keypoints.ts';
import { ALWAYS_LABELLED_COLUMNS, DEFAULT_LABEL_ALL_FRACTION, drawFullLabels, rowRng } from './synthesize.ts';

export interface LookupOptions {
  /** Number of test images. */
  images: number;
  seed: number;
  /** Share of images asked for all 30 features; the rest are asked for the 8 always-labelled ones. Default 0.3. */
  labelAllFraction?: number;
  /** ImageId of the first image (Kaggle's start at 1). Default 1. */
  firstImageId?: number;
}

/**
 * A Kaggle-style IdLookupTable for a synthetic test set: RowId from 1, ordered
 * by ImageId then column. Image k (ImageId = firstImageId + k) is row k of
 * `synthesize({ rows: images, seed, labelAllFraction })`, and it is asked for
 * all 30 features exactly when that row is fully labelled, so a submission
 * can be scored against the synthetic ground truth.
 */
export function synthesizeLookup(options: LookupOptions): IdLookupRow[] {
  const { images, seed, labelAllFraction = DEFAULT_LABEL_ALL_FRACTION, firstImageId = 1 } = options;
  if (!Number.isInteger(images) || images < 0) throw new RangeError(`images must be a non-negative integer, got ${images}`);
  const all = KEYPOINT_COLUMNS.map((_, c) => c);
  const rows: IdLookupRow[] = [];
  for (let k = 0; k < images; k++) {
    const columns = drawFullLabels(rowRng(seed, k), labelAllFraction) ? all : ALWAYS_LABELLED_COLUMNS;
    for (const c of columns) {
      rows.push({ rowId: rows.length + 1, imageId: firstImageId + k, featureName: KEYPOINT_COLUMNS[c] });
    }
  }
  return rows;
}
