// Original file: kfkd.proto


export interface RunFinished {
  /**
   * 'completed', 'early-stopping', 'aborted' or 'failed'
   * (RUN_END_REASONS in src/vocabulary.ts).
   */
  'reason'?: (string);
}

export interface RunFinished__Output {
  /**
   * 'completed', 'early-stopping', 'aborted' or 'failed'
   * (RUN_END_REASONS in src/vocabulary.ts).
   */
  'reason': (string);
}
