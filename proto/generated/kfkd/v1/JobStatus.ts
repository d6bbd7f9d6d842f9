// Original file: kfkd.proto


export interface JobStatus {
  'name'?: (string);
  'net'?: (string);
  /**
   * 'waiting' (fewer workers than its minimum), 'training', or how it ended:
   * 'completed', 'early-stopping', 'aborted' or 'failed'
   * (JOB_STATES in src/vocabulary.ts).
   */
  'state'?: (string);
  /**
   * Epochs done (resumed ones included), of max_epochs.
   */
  'epochsDone'?: (number);
  'maxEpochs'?: (number);
  /**
   * Lowest validation RMSE of its epochs, in pixels; 0 before the first epoch.
   */
  'bestValidRmsePx'?: (number | string);
  /**
   * Workers in the job now (members of its pool, pending or active).
   */
  'workers'?: (number);
  'minWorkers'?: (number);
}

export interface JobStatus__Output {
  'name': (string);
  'net': (string);
  /**
   * 'waiting' (fewer workers than its minimum), 'training', or how it ended:
   * 'completed', 'early-stopping', 'aborted' or 'failed'
   * (JOB_STATES in src/vocabulary.ts).
   */
  'state': (string);
  /**
   * Epochs done (resumed ones included), of max_epochs.
   */
  'epochsDone': (number);
  'maxEpochs': (number);
  /**
   * Lowest validation RMSE of its epochs, in pixels; 0 before the first epoch.
   */
  'bestValidRmsePx': (number);
  /**
   * Workers in the job now (members of its pool, pending or active).
   */
  'workers': (number);
  'minWorkers': (number);
}
