// Original file: kfkd.proto


export interface RunFinished {
  /**
   * 'completed', 'early-stopping', 'aborted' or 'failed'.
   */
  'reason'?: (string);
}

export interface RunFinished__Output {
  /**
   * 'completed', 'early-stopping', 'aborted' or 'failed'.
   */
  'reason': (string);
}
