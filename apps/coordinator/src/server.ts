/**
 * The coordinator's gRPC server: message size limits, keepalive, session
 * limits (session-guard.ts) and (optionally) TLS, bound with its error
 * checked.
 */
import * as grpc from '@grpc/grpc-js';
import { readFile } from 'node:fs/promises';
import { MESSAGE_SIZE_OPTIONS, type SessionLimits, type SessionObserver, SessionGuard, TENSOR_CHUNK_BYTES, UNAUTHENTICATED_MAX_STREAMS } from '@kfkd/proto';
import { CoordinatorConfigError, ListenError } from './errors.ts';

export interface TlsFiles {
  /** PEM certificate chain and private key of the server. */
  readonly cert: string;
  readonly key: string;
  /** PEM CA bundle: when given, workers must present a client certificate it signed (mTLS). */
  readonly clientCa?: string;
}

/**
 * Largest message the coordinator accepts: a Report's gradient chunk
 * (TENSOR_CHUNK_BYTES of values plus a few bytes of framing) is the biggest
 * legitimate one; Join, Heartbeat and Watch requests are a few hundred bytes.
 * 64 KiB of margin covers the framing and a future small field. Every
 * stream can make the server buffer one message of this size before its
 * token is checked (grpc-js reads a unary request whole before the
 * handler), so it is kept far below the 16 MiB the coordinator sends
 * (shard updates of 4.6 MiB).
 */
export const SERVER_MAX_RECEIVE_BYTES = TENSOR_CHUNK_BYTES + 64 * 1024;

const SERVER_OPTIONS: grpc.ChannelOptions = {
  ...MESSAGE_SIZE_OPTIONS,
  'grpc.max_receive_message_length': SERVER_MAX_RECEIVE_BYTES,
  // The initial SETTINGS of every session: a session gets more streams (and
  // its big window) once it has authenticated (session-guard.ts).
  'grpc.max_concurrent_streams': UNAUTHENTICATED_MAX_STREAMS,
  // Ping an idle connection every 30 s to notice a worker that vanished without closing it.
  'grpc.keepalive_time_ms': 30_000,
  // tfjs blocks a worker's event loop while it computes, so its pings can be
  // late by a whole task: wait long before declaring the connection dead (the
  // task deadline and the heartbeat catch dead workers sooner).
  'grpc.keepalive_timeout_ms': 120_000,
  // Accept client pings as often as every 10 s (workers ping every 30 s).
  'grpc.http2.min_ping_interval_without_data_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
};

export interface ServerOptions {
  /** Session caps (default DEFAULT_SESSION_LIMITS). */
  readonly sessions?: SessionLimits;
  /** Told about every refused session (metrics). */
  readonly observer?: SessionObserver;
  /** Run around every call, in order (e.g. the service's edge interceptor). */
  readonly interceptors?: readonly grpc.ServerInterceptor[];
}

export async function serverCredentials(tls: TlsFiles | null): Promise<grpc.ServerCredentials> {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  const [cert, key, ca] = await Promise.all([readFile(tls.cert), readFile(tls.key), tls.clientCa ? readFile(tls.clientCa) : null]);
  return grpc.ServerCredentials.createSsl(ca, [{ cert_chain: cert, private_key: key }], ca !== null);
}

/**
 * Starts a server with `register`ed services on `address` (host:port; port 0
 * picks one), its sessions guarded and its calls passed through
 * `options.interceptors`; resolves with the bound port.
 */
export async function startServer(
  address: string,
  credentials: grpc.ServerCredentials,
  register: (server: grpc.Server, sessions: SessionGuard) => void,
  options: ServerOptions = {},
): Promise<{ server: grpc.Server; port: number; sessions: SessionGuard }> {
  if (!/^.+:\d+$/.test(address)) throw new CoordinatorConfigError(`--listen must be HOST:PORT, got '${address}'`);
  const server = new grpc.Server({ ...SERVER_OPTIONS, interceptors: [...(options.interceptors ?? [])] });
  const sessions = new SessionGuard(options.sessions, options.observer);
  register(server, sessions);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, credentials, (error, bound) => (error ? reject(new ListenError(address, error.message)) : resolve(bound)));
  });
  sessions.attach(server);
  return { server, port, sessions };
}

/** Stops the server, cancelling what is still running after `graceMs`. */
export function stopServer(server: grpc.Server, graceMs = 2000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
