// Original file: kfkd.proto


export interface HeartbeatReply {
  'generation'?: (number);
}

export interface HeartbeatReply__Output {
  'generation': (number);
}
