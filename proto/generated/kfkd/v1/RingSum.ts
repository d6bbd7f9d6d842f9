// Original file: kfkd.proto


/**
 * The running sums of the ring's workers so far (positions 0 .. position).
 */
export interface RingSum {
  'position'?: (number);
  'epoch'?: (number);
  'step'?: (number);
  'lossSum'?: (number | string);
  'count'?: (number);
}

/**
 * The running sums of the ring's workers so far (positions 0 .. position).
 */
export interface RingSum__Output {
  'position': (number);
  'epoch': (number);
  'step': (number);
  'lossSum': (number);
  'count': (number);
}
