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
   * float32 little-endian, parameter_count values; empty for validation.
   */
  'gradSum'?: (Buffer | Uint8Array | string);
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
   * float32 little-endian, parameter_count values; empty for validation.
   */
  'gradSum': (Buffer);
  /**
   * Number of rows summed.
   */
  'count': (number);
}
