// Original file: kfkd.proto


/**
 * What is being trained. First event of every Watch stream.
 */
export interface RunInfo {
  'net'?: (string);
  /**
   * The data file as given to the coordinator.
   */
  'data'?: (string);
  'trainRows'?: (number);
  'validRows'?: (number);
  /**
   * The global batch (split across the workers).
   */
  'batchSize'?: (number);
  'maxEpochs'?: (number);
  'stepsPerEpoch'?: (number);
  'parameterCount'?: (number);
  'flip'?: (boolean);
  /**
   * When this coordinator process started training, ms since the Unix epoch.
   */
  'startedAtMs'?: (number | string);
}

/**
 * What is being trained. First event of every Watch stream.
 */
export interface RunInfo__Output {
  'net': (string);
  /**
   * The data file as given to the coordinator.
   */
  'data': (string);
  'trainRows': (number);
  'validRows': (number);
  /**
   * The global batch (split across the workers).
   */
  'batchSize': (number);
  'maxEpochs': (number);
  'stepsPerEpoch': (number);
  'parameterCount': (number);
  'flip': (boolean);
  /**
   * When this coordinator process started training, ms since the Unix epoch.
   */
  'startedAtMs': (number);
}
