// Original file: kfkd.proto

import type { Part as _kfkd_v1_Part, Part__Output as _kfkd_v1_Part__Output } from '../../kfkd/v1/Part.ts';

/**
 * Rows of the training or validation part this worker now holds (add) or no
 * longer needs (drop). Shipped once per row, chunked to stay well below the
 * message size limit.
 */
export interface ShardUpdate {
  'generation'?: (number);
  'part'?: (_kfkd_v1_Part);
  /**
   * Indices into the part's rows.
   */
  'addRows'?: (number)[];
  /**
   * add_rows.length x 9216 uint8.
   */
  'pixels'?: (Buffer | Uint8Array | string);
  /**
   * add_rows.length x outputs float32 little-endian, scaled units.
   */
  'targets'?: (Buffer | Uint8Array | string);
  'dropRows'?: (number)[];
}

/**
 * Rows of the training or validation part this worker now holds (add) or no
 * longer needs (drop). Shipped once per row, chunked to stay well below the
 * message size limit.
 */
export interface ShardUpdate__Output {
  'generation': (number);
  'part': (_kfkd_v1_Part__Output);
  /**
   * Indices into the part's rows.
   */
  'addRows': (number)[];
  /**
   * add_rows.length x 9216 uint8.
   */
  'pixels': (Buffer);
  /**
   * add_rows.length x outputs float32 little-endian, scaled units.
   */
  'targets': (Buffer);
  'dropRows': (number)[];
}
