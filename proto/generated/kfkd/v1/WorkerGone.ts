// Original file: kfkd.proto


export interface WorkerGone {
  'workerId'?: (string);
  'session'?: (number);
  /**
   * A LeaveReason of the coordinator (left, deadline, heartbeat, ...).
   */
  'reason'?: (string);
  'detail'?: (string);
}

export interface WorkerGone__Output {
  'workerId': (string);
  'session': (number);
  /**
   * A LeaveReason of the coordinator (left, deadline, heartbeat, ...).
   */
  'reason': (string);
  'detail': (string);
}
