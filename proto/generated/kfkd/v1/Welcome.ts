// Original file: kfkd.proto


export interface Welcome {
  'workerId'?: (string);
  /**
   * Unique per join; echoed in every Report and Heartbeat of this session.
   */
  'session'?: (number);
  'generation'?: (number);
  /**
   * The net to compute (a @kfkd/model NetSpec as JSON).
   */
  'specJson'?: (string);
  'parameterCount'?: (number);
  'heartbeatIntervalMs'?: (number);
}

export interface Welcome__Output {
  'workerId': (string);
  /**
   * Unique per join; echoed in every Report and Heartbeat of this session.
   */
  'session': (number);
  'generation': (number);
  /**
   * The net to compute (a @kfkd/model NetSpec as JSON).
   */
  'specJson': (string);
  'parameterCount': (number);
  'heartbeatIntervalMs': (number);
}
