// Original file: kfkd.proto


/**
 * A training step done (sent at a modest rate, not for every step).
 */
export interface StepProgress {
  'epoch'?: (number);
  /**
   * 0-based step of the epoch that just finished, of `steps`.
   */
  'step'?: (number);
  'steps'?: (number);
  'stepLoss'?: (number | string);
  /**
   * The learning rate and momentum of this epoch.
   */
  'learningRate'?: (number | string);
  'momentum'?: (number | string);
}

/**
 * A training step done (sent at a modest rate, not for every step).
 */
export interface StepProgress__Output {
  'epoch': (number);
  /**
   * 0-based step of the epoch that just finished, of `steps`.
   */
  'step': (number);
  'steps': (number);
  'stepLoss': (number);
  /**
   * The learning rate and momentum of this epoch.
   */
  'learningRate': (number);
  'momentum': (number);
}
