// Original file: kfkd.proto


export interface WorkerStatus {
  'workerId'?: (string);
  'session'?: (number);
  /**
   * The peer address the worker connected from.
   */
  'host'?: (string);
  'backend'?: (string);
  'device'?: (string);
  /**
   * 'pending' (joined, active from the next step) or 'active'
   * (WORKER_STATES in src/vocabulary.ts).
   */
  'state'?: (string);
  /**
   * Rows per second of its last task; 0 before the first.
   */
  'samplesPerSecond'?: (number | string);
  /**
   * Seconds its last task took (send to result); 0 before the first.
   */
  'lastTaskSeconds'?: (number | string);
  /**
   * When it was last heard from, ms since the Unix epoch.
   */
  'lastHeartbeatMs'?: (number | string);
}

export interface WorkerStatus__Output {
  'workerId': (string);
  'session': (number);
  /**
   * The peer address the worker connected from.
   */
  'host': (string);
  'backend': (string);
  'device': (string);
  /**
   * 'pending' (joined, active from the next step) or 'active'
   * (WORKER_STATES in src/vocabulary.ts).
   */
  'state': (string);
  /**
   * Rows per second of its last task; 0 before the first.
   */
  'samplesPerSecond': (number);
  /**
   * Seconds its last task took (send to result); 0 before the first.
   */
  'lastTaskSeconds': (number);
  /**
   * When it was last heard from, ms since the Unix epoch.
   */
  'lastHeartbeatMs': (number);
}
