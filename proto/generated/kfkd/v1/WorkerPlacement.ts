// Original file: kfkd.proto


export interface WorkerPlacement {
  'workerId'?: (string);
  /**
   * The job it is in, or the one it is moving to (empty: parked, or not known yet).
   */
  'job'?: (string);
  /**
   * 'in-job', 'parked' (its Join held without a Welcome) or 'moving' (sent
   * Moved, not joined again yet; `job` is where it goes, if known)
   * (PLACEMENT_STATES in src/vocabulary.ts).
   */
  'state'?: (string);
}

export interface WorkerPlacement__Output {
  'workerId': (string);
  /**
   * The job it is in, or the one it is moving to (empty: parked, or not known yet).
   */
  'job': (string);
  /**
   * 'in-job', 'parked' (its Join held without a Welcome) or 'moving' (sent
   * Moved, not joined again yet; `job` is where it goes, if known)
   * (PLACEMENT_STATES in src/vocabulary.ts).
   */
  'state': (string);
}
