// Original file: kfkd.proto


export interface JoinRequest {
  'protocolVersion'?: (number);
  /**
   * Stable name of the worker (e.g. host-gpu0); a rejoin under the same id
   * replaces the earlier session.
   */
  'workerId'?: (string);
  /**
   * The tfjs backend the worker computes on ('tensorflow', 'wasm', 'cpu') and its device.
   */
  'backend'?: (string);
  'device'?: (string);
  /**
   * Where this worker serves the Peer service (host:port), for training
   * steps summed through the workers (RingRole). Empty: star steps only.
   */
  'peerAddress'?: (string);
}

export interface JoinRequest__Output {
  'protocolVersion': (number);
  /**
   * Stable name of the worker (e.g. host-gpu0); a rejoin under the same id
   * replaces the earlier session.
   */
  'workerId': (string);
  /**
   * The tfjs backend the worker computes on ('tensorflow', 'wasm', 'cpu') and its device.
   */
  'backend': (string);
  'device': (string);
  /**
   * Where this worker serves the Peer service (host:port), for training
   * steps summed through the workers (RingRole). Empty: star steps only.
   */
  'peerAddress': (string);
}
