/**
 * @kfkd/proto: the wire contract of distributed training. Both ends load
 * kfkd.proto through this module, so they share the loader options, the
 * protocol version, the message size limits and the generated types.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import type { ProtoGrpcType } from '../generated/kfkd.ts';
import { LOADER_OPTIONS } from './loader-options.ts';

export type * from './types.ts';
export { LOADER_OPTIONS } from './loader-options.ts';

/**
 * Bumped on every incompatible change of kfkd.proto or of what its fields
 * mean. Sent in JoinRequest; the coordinator refuses any other version.
 */
export const PROTOCOL_VERSION = 1;

export const PROTO_FILE = fileURLToPath(new URL('../kfkd.proto', import.meta.url));

/**
 * Largest message either end sends or accepts, 256 MiB. grpc-js defaults to
 * 4 MiB received, far below one parameter vector of the big nets (net7 has
 * 16.5M float32 parameters, 66 MB; a Task carries them and a TaskResult the
 * gradient of the same size). Shard updates are chunked well below this.
 * Both the server and the client set it, for sending and receiving.
 */
export const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

/** Channel options for sizes; the server and client add their keepalive settings. */
export const MESSAGE_SIZE_OPTIONS: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
};

let loaded: ProtoGrpcType | null = null;

/** The loaded package (kfkd.v1), with the generated types. */
export function kfkdProto(): ProtoGrpcType {
  loaded ??= grpc.loadPackageDefinition(protoLoader.loadSync(PROTO_FILE, LOADER_OPTIONS)) as unknown as ProtoGrpcType;
  return loaded;
}

/** Metadata carrying the shared token, as every call must. */
export function tokenMetadata(token: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set(AUTHORIZATION_KEY, `Bearer ${token}`);
  return metadata;
}

export const AUTHORIZATION_KEY = 'authorization';
export { assertLittleEndianHost, firstNonFinite, float32Bytes, float32sOf } from './bytes.ts';
