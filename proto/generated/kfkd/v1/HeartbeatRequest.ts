// Original file: kfkd.proto


export interface HeartbeatRequest {
  'workerId'?: (string);
  'session'?: (number);
  'generation'?: (number);
}

export interface HeartbeatRequest__Output {
  'workerId': (string);
  'session': (number);
  'generation': (number);
}
