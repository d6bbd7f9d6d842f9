// Original file: kfkd.proto


export interface PeerHello {
  /**
   * The sending worker (the previous one in the ring).
   */
  'workerId'?: (string);
  'generation'?: (number);
  'ringId'?: (number);
}

export interface PeerHello__Output {
  /**
   * The sending worker (the previous one in the ring).
   */
  'workerId': (string);
  'generation': (number);
  'ringId': (number);
}
