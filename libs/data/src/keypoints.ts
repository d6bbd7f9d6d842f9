/**
 * The Kaggle Facial Keypoints columns, in the order of training.csv.
 * Left and right are the subject's: left_eye_center_x lies on the image's right.
 */
export const KEYPOINT_NAMES = [
  'left_eye_center',
  'right_eye_center',
  'left_eye_inner_corner',
  'left_eye_outer_corner',
  'right_eye_inner_corner',
  'right_eye_outer_corner',
  'left_eyebrow_inner_end',
  'left_eyebrow_outer_end',
  'right_eyebrow_inner_end',
  'right_eyebrow_outer_end',
  'nose_tip',
  'mouth_left_corner',
  'mouth_right_corner',
  'mouth_center_top_lip',
  'mouth_center_bottom_lip',
] as const;

export type KeypointName = (typeof KEYPOINT_NAMES)[number];

/** The 30 target columns: `<keypoint>_x`, `<keypoint>_y` for each keypoint. */
export const KEYPOINT_COLUMNS: readonly string[] = KEYPOINT_NAMES.flatMap((k) => [`${k}_x`, `${k}_y`]);

export const IMAGE_SIDE = 96;
export const IMAGE_PIXELS = IMAGE_SIDE * IMAGE_SIDE;

/** Pairs of column indices (into KEYPOINT_COLUMNS) that trade places when a face is mirrored. */
export const FLIP_PAIRS: readonly (readonly [number, number])[] = [
  [0, 2], [1, 3], [4, 8], [5, 9], [6, 10], [7, 11],
  [12, 16], [13, 17], [14, 18], [15, 19], [22, 24], [23, 25],
];

/** The keypoints Kaggle labels in almost every row; the other 11 are present in about 30% of rows. */
export const ALWAYS_LABELLED: readonly KeypointName[] = [
  'left_eye_center',
  'right_eye_center',
  'nose_tip',
  'mouth_center_bottom_lip',
];

/**
 * Flip pairs restricted to a subset of columns, re-indexed into that subset.
 * A pair whose two columns are not both selected is dropped (the mirror of a
 * selected column must be selected too, or the flipped target would be wrong).
 */
export function flipPairsFor(columns: readonly string[]): [number, number][] {
  const pairs: [number, number][] = [];
  for (const [a, b] of FLIP_PAIRS) {
    const i = columns.indexOf(KEYPOINT_COLUMNS[a]);
    const j = columns.indexOf(KEYPOINT_COLUMNS[b]);
    if (i >= 0 && j >= 0) pairs.push([i, j]);
  }
  return pairs;
}
