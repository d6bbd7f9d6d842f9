// Original file: kfkd.proto

import type { Long } from '@grpc/proto-loader';

/**
 * One hop of a ring round's running sum, timed by the worker that received
 * it: from its first chunk to its last.
 */
export interface RingHop {
  'fromWorker'?: (string);
  'toWorker'?: (string);
  'bytes'?: (number | string | Long);
  'seconds'?: (number | string);
}

/**
 * One hop of a ring round's running sum, timed by the worker that received
 * it: from its first chunk to its last.
 */
export interface RingHop__Output {
  'fromWorker': (string);
  'toWorker': (string);
  'bytes': (string);
  'seconds': (number);
}
