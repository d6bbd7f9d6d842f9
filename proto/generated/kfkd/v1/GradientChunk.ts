// Original file: kfkd.proto


/**
 * Part of a gradient sum (in the net's flat parameter layout).
 */
export interface GradientChunk {
  /**
   * Index of the chunk's first value.
   */
  'offset'?: (number);
  /**
   * float32 little-endian.
   */
  'values'?: (Buffer | Uint8Array | string);
}

/**
 * Part of a gradient sum (in the net's flat parameter layout).
 */
export interface GradientChunk__Output {
  /**
   * Index of the chunk's first value.
   */
  'offset': (number);
  /**
   * float32 little-endian.
   */
  'values': (Buffer);
}
