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
export const PROTOCOL_VERSION = 5;

export const PROTO_FILE = fileURLToPath(new URL('../kfkd.proto', import.meta.url));

/**
 * Largest message either end sends or accepts, 16 MiB. Parameters and
 * gradients (66 MB for net7) travel in chunks of TENSOR_CHUNK_BYTES (1 MiB)
 * and shard updates in chunks of 512 faces (4.6 MiB); grpc-js's default of
 * 4 MiB received is below that. Both the server and the client set it, for
 * sending and receiving.
 */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

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
export { TENSOR_CHUNK_BYTES, type TensorChunk, TensorAssembly, tensorChunks } from './tensor-chunks.ts';
export * from './vocabulary.ts';
export { assertLittleEndianHost, float32Bytes, float32sOf } from './bytes.ts';
export { type ClientTlsFiles, channelCredentials } from './client-credentials.ts';
export { DEFAULT_SESSION_LIMITS, MAX_STREAMS, RECEIVE_WINDOW_BYTES, SESSION_REFUSALS, type SessionCounts, SessionGuard, type SessionLimits, type SessionObserver, type SessionRefusal, UNAUTHENTICATED_MAX_STREAMS, peerOf } from './session-guard.ts';
