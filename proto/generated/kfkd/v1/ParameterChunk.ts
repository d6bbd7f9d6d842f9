// Original file: kfkd.proto


/**
 * Part of a parameter vector that following tasks are computed at. A vector
 * is sent once per worker, in chunks in order from offset 0; a new version
 * replaces the one before.
 */
export interface ParameterChunk {
  /**
   * Identifies the vector (the coordinator numbers them; it changes at
   * every update).
   */
  'version'?: (number);
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
 * Part of a parameter vector that following tasks are computed at. A vector
 * is sent once per worker, in chunks in order from offset 0; a new version
 * replaces the one before.
 */
export interface ParameterChunk__Output {
  /**
   * Identifies the vector (the coordinator numbers them; it changes at
   * every update).
   */
  'version': (number);
  /**
   * Index of the chunk's first value.
   */
  'offset': (number);
  /**
   * float32 little-endian.
   */
  'values': (Buffer);
}
