/**
 * gRPC calls whose request messages are raw bytes: the fuzzer's client.
 * grpc-js frames them as usual, so whatever the bytes are reaches the
 * coordinator's deserializer. Every call has a deadline: a coordinator that
 * never answers shows up as DEADLINE_EXCEEDED (a finding), not a stuck test.
 */
import * as grpc from '@grpc/grpc-js';
import { AUTHORIZATION_KEY } from '@kfkd/proto';
import { METHOD_PATH, type RpcName } from './codec.ts';
import type { Prng } from './prng.ts';
import type { FuzzTransport } from './transport.ts';

export interface CallOutcome {
  readonly rpc: RpcName;
  readonly code: grpc.status;
  readonly details: string;
  /** The server answered with data (a Welcome, a watch event, a reply): it accepted the request. */
  readonly accepted: boolean;
  /** The first message of a Join or Watch stream, when one came. */
  readonly first?: Buffer;
}

const CALL_DEADLINE_MS = 15_000;
const identity = (bytes: Buffer): Buffer => bytes;

export function rawClient(transport: FuzzTransport): grpc.Client {
  return new grpc.Client(transport.target, transport.credentials, transport.channelOptions);
}

/**
 * The token variants of a call: the valid worker token, a wrong one, none,
 * or one without its Bearer prefix. (Two authorization values and huge
 * ones are raw HTTP/2 probes, wire-garbage.ts: grpc-js refuses to send the
 * first, and the second costs the whole connection.)
 */
export type TokenKind = 'valid' | 'wrong' | 'none' | 'no-bearer';
export const TOKEN_KINDS: readonly TokenKind[] = ['valid', 'valid', 'valid', 'valid', 'wrong', 'none', 'no-bearer'];

export function metadataFor(kind: TokenKind, transport: FuzzTransport, rng: Prng): grpc.Metadata {
  const metadata = new grpc.Metadata();
  const bearer = (token: string): void => metadata.add(AUTHORIZATION_KEY, `Bearer ${token}`);
  switch (kind) {
    case 'valid':
      bearer(transport.workerToken);
      break;
    case 'wrong':
      bearer(`${transport.workerToken}${rng.int(10)}`);
      break;
    case 'none':
      break;
    case 'no-bearer':
      metadata.add(AUTHORIZATION_KEY, transport.workerToken);
      break;
  }
  return metadata;
}

const options = (): grpc.CallOptions => ({ deadline: Date.now() + CALL_DEADLINE_MS });

export function unaryCall(client: grpc.Client, rpc: RpcName, request: Buffer, metadata: grpc.Metadata): Promise<CallOutcome> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(METHOD_PATH[rpc], identity, identity, request, metadata, options(), (error: grpc.ServiceError | null) => {
      resolve(error ? { rpc, code: error.code, details: error.details, accepted: false } : { rpc, code: grpc.status.OK, details: '', accepted: true });
    });
  });
}

/**
 * A server-streaming call (Join, Watch): accepted when its first message
 * comes, which ends the probe (the call is cancelled, so a probe that
 * joined leaves the run at once).
 */
export function serverStreamCall(client: grpc.Client, rpc: RpcName, request: Buffer, metadata: grpc.Metadata): Promise<CallOutcome> {
  return new Promise((resolve) => {
    const call = client.makeServerStreamRequest(METHOD_PATH[rpc], identity, identity, request, metadata, options());
    let first: Buffer | undefined;
    call.on('data', (message: Buffer) => {
      if (first) return;
      first = message;
      call.cancel();
    });
    call.on('error', (error: grpc.ServiceError) => {
      resolve({ rpc, code: first ? grpc.status.OK : error.code, details: error.details, accepted: first !== undefined, first });
    });
    call.on('end', () => resolve({ rpc, code: grpc.status.OK, details: '', accepted: first !== undefined, first }));
  });
}

/** A Report stream of the given messages; `breakOff` cancels it after they are written instead of ending it. */
export function clientStreamCall(client: grpc.Client, rpc: RpcName, messages: readonly Buffer[], metadata: grpc.Metadata, breakOff = false): Promise<CallOutcome> {
  return new Promise((resolve) => {
    const call = client.makeClientStreamRequest(METHOD_PATH[rpc], identity, identity, metadata, options(), (error: grpc.ServiceError | null) => {
      resolve(error ? { rpc, code: error.code, details: error.details, accepted: false } : { rpc, code: grpc.status.OK, details: '', accepted: true });
    });
    for (const message of messages) call.write(message);
    if (breakOff) setImmediate(() => call.cancel());
    else call.end();
  });
}
