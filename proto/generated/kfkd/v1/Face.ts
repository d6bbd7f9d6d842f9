// Original file: kfkd.proto


export interface Face {
  /**
   * 96 x 96 uint8, row-major.
   */
  'pixels'?: (Buffer | Uint8Array | string);
  /**
   * float32 little-endian (x, y) pairs in pixels, one per keypoint of the net.
   */
  'predicted'?: (Buffer | Uint8Array | string);
  'truth'?: (Buffer | Uint8Array | string);
}

export interface Face__Output {
  /**
   * 96 x 96 uint8, row-major.
   */
  'pixels': (Buffer);
  /**
   * float32 little-endian (x, y) pairs in pixels, one per keypoint of the net.
   */
  'predicted': (Buffer);
  'truth': (Buffer);
}
