// Original file: kfkd.proto


export interface TaskResult {
  'workerId'?: (string);
  'session'?: (number);
  'generation'?: (number);
  'taskId'?: (number);
  'epoch'?: (number);
  'step'?: (number);
  'lossSum'?: (number | string);
  /**
   * Number of rows summed.
   */
  'count'?: (number);
}

export interface TaskResult__Output {
  'workerId': (string);
  'session': (number);
  'generation': (number);
  'taskId': (number);
  'epoch': (number);
  'step': (number);
  'lossSum': (number);
  /**
   * Number of rows summed.
   */
  'count': (number);
}
