/**
 * The grpc-js floor for `bench sync`: the same bytes as a distributed step
 * (a parameter vector down to every worker, a gradient back) in the same
 * 1 MiB messages over the same server and channel settings, but through a
 * bench-only service whose (de)serialisers pass Buffers through untouched.
 * No protobuf encoding, no copies into place, no validation, no update:
 * what grpc-js and Node's http2 cost by themselves.
 */
import * as grpc from '@grpc/grpc-js';
import { TENSOR_CHUNK_BYTES } from '@kfkd/proto';

const passThrough = (bytes: Buffer): Buffer => bytes;

/** Down: the server streams a vector's messages; Up: the client streams its answer. Opaque bytes, not the kfkd protocol. */
export const FLOOR_SERVICE: grpc.ServiceDefinition = {
  Down: {
    path: '/kfkd.bench.Floor/Down',
    requestStream: false,
    responseStream: true,
    requestSerialize: passThrough,
    requestDeserialize: passThrough,
    responseSerialize: passThrough,
    responseDeserialize: passThrough,
  },
  Up: {
    path: '/kfkd.bench.Floor/Up',
    requestStream: true,
    responseStream: false,
    requestSerialize: passThrough,
    requestDeserialize: passThrough,
    responseSerialize: passThrough,
    responseDeserialize: passThrough,
  },
};

/** `bytes` as messages of at most TENSOR_CHUNK_BYTES (views, no copies). */
export function floorMessages(bytes: Buffer): Buffer[] {
  const messages: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += TENSOR_CHUNK_BYTES) messages.push(bytes.subarray(at, Math.min(bytes.length, at + TENSOR_CHUNK_BYTES)));
  return messages;
}
