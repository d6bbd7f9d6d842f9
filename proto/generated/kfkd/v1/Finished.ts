// Original file: kfkd.proto


/**
 * Training is over; the worker may exit.
 */
export interface Finished {
  'reason'?: (string);
}

/**
 * Training is over; the worker may exit.
 */
export interface Finished__Output {
  'reason': (string);
}
