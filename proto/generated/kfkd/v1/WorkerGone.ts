// Original file: kfkd.proto


export interface WorkerGone {
  'workerId'?: (string);
  'session'?: (number);
  /**
   * Why the coordinator removed it: 'left', 'stream-closed', 'deadline',
   * 'heartbeat', 'invalid-message', 'replaced', 'shutdown' or 'moved' (to
   * another job of the pool)
   * (LEAVE_REASONS in src/vocabulary.ts).
   */
  'reason'?: (string);
  'detail'?: (string);
}

export interface WorkerGone__Output {
  'workerId': (string);
  'session': (number);
  /**
   * Why the coordinator removed it: 'left', 'stream-closed', 'deadline',
   * 'heartbeat', 'invalid-message', 'replaced', 'shutdown' or 'moved' (to
   * another job of the pool)
   * (LEAVE_REASONS in src/vocabulary.ts).
   */
  'reason': (string);
  'detail': (string);
}
