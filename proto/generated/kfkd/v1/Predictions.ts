// Original file: kfkd.proto

import type { Face as _kfkd_v1_Face, Face__Output as _kfkd_v1_Face__Output } from '../../kfkd/v1/Face.ts';

/**
 * Validation faces with the net's predicted and the true keypoints.
 */
export interface Predictions {
  'epoch'?: (number);
  'faces'?: (_kfkd_v1_Face)[];
}

/**
 * Validation faces with the net's predicted and the true keypoints.
 */
export interface Predictions__Output {
  'epoch': (number);
  'faces': (_kfkd_v1_Face__Output)[];
}
