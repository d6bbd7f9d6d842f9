// Original file: kfkd.proto


/**
 * One row of the tutorial's epoch log (as in history.jsonl).
 */
export interface EpochFinished {
  'epoch'?: (number);
  'trainLoss'?: (number | string);
  'validLoss'?: (number | string);
  'trainValidRatio'?: (number | string);
  'validRmsePx'?: (number | string);
  'learningRate'?: (number | string);
  'momentum'?: (number | string);
  'seconds'?: (number | string);
}

/**
 * One row of the tutorial's epoch log (as in history.jsonl).
 */
export interface EpochFinished__Output {
  'epoch': (number);
  'trainLoss': (number);
  'validLoss': (number);
  'trainValidRatio': (number);
  'validRmsePx': (number);
  'learningRate': (number);
  'momentum': (number);
  'seconds': (number);
}
