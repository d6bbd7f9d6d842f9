/**
 * The coordinator's gRPC server: message size limits, keepalive and
 * (optionally) TLS, bound with its error checked.
 */
import * as grpc from '@grpc/grpc-js';
import type { Http2Session } from 'node:http2';
import { readFile } from 'node:fs/promises';
import { MESSAGE_SIZE_OPTIONS } from '@kfkd/proto';
import { CoordinatorConfigError, ListenError } from './errors.ts';

export interface TlsFiles {
  /** PEM certificate chain and private key of the server. */
  readonly cert: string;
  readonly key: string;
  /** PEM CA bundle: when given, workers must present a client certificate it signed (mTLS). */
  readonly clientCa?: string;
}

/**
 * HTTP/2 receive window of each worker connection and stream: 64 MiB, so a
 * whole gradient (32 MB for net2) can be in flight. With the default 64 KiB
 * a 32 MB upload waits for about 500 WINDOW_UPDATE round trips through two
 * event loops; measured on loopback, 1 MiB chunks moved at 235 MB/s with the
 * default window and 515 MB/s with this one.
 */
export const RECEIVE_WINDOW_BYTES = 64 * 1024 * 1024;
const MAX_FRAME_BYTES = 1024 * 1024;

const SERVER_OPTIONS: grpc.ChannelOptions = {
  ...MESSAGE_SIZE_OPTIONS,
  // Ping an idle connection every 30 s to notice a worker that vanished without closing it.
  'grpc.keepalive_time_ms': 30_000,
  // tfjs blocks a worker's event loop while it computes, so its pings can be
  // late by a whole task: wait long before declaring the connection dead (the
  // task deadline and the heartbeat catch dead workers sooner).
  'grpc.keepalive_timeout_ms': 120_000,
  // Accept client pings as often as every 10 s (workers ping every 30 s).
  'grpc.http2.min_ping_interval_without_data_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
  // Ignored by grpc-js 1.14's server (grpc/grpc-node#3058); see openReceiveWindow.
  'grpc-node.flow_control_window': RECEIVE_WINDOW_BYTES,
};

export async function serverCredentials(tls: TlsFiles | null): Promise<grpc.ServerCredentials> {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  const [cert, key, ca] = await Promise.all([readFile(tls.cert), readFile(tls.key), tls.clientCa ? readFile(tls.clientCa) : null]);
  return grpc.ServerCredentials.createSsl(ca, [{ cert_chain: cert, private_key: key }], ca !== null);
}

/** Starts a server with `register`ed services and `interceptors` on `address` (host:port; port 0 picks one); resolves with the bound port. */
export async function startServer(
  address: string,
  credentials: grpc.ServerCredentials,
  register: (server: grpc.Server) => void,
  interceptors: readonly grpc.ServerInterceptor[] = [],
): Promise<{ server: grpc.Server; port: number }> {
  if (!/^.+:\d+$/.test(address)) throw new CoordinatorConfigError(`--listen must be HOST:PORT, got '${address}'`);
  const server = new grpc.Server({ ...SERVER_OPTIONS, interceptors: [...interceptors] });
  register(server);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, credentials, (error, bound) => (error ? reject(new ListenError(address, error.message)) : resolve(bound)));
  });
  openReceiveWindow(server);
  return { server, port };
}

/**
 * Gives every new HTTP/2 session of the server RECEIVE_WINDOW_BYTES of
 * receive window. grpc-js offers no option for it on the server, so this
 * reaches its Node http2 servers through a private field (`http2Servers`,
 * a Map keyed by them in 1.14). Returns false, changing nothing, when that
 * field is not there: uploads are then slower, never wrong.
 */
export function openReceiveWindow(server: grpc.Server): boolean {
  const servers = (server as unknown as { http2Servers?: unknown }).http2Servers;
  if (!(servers instanceof Map)) return false;
  for (const http2Server of servers.keys() as IterableIterator<{ prependListener?: (event: 'session', listener: (session: Http2Session) => void) => void }>) {
    http2Server.prependListener?.('session', (session) => {
      session.setLocalWindowSize(RECEIVE_WINDOW_BYTES);
      // Bigger DATA frames (the default is 16 KiB) mean fewer callbacks into JavaScript per chunk.
      session.settings({ initialWindowSize: RECEIVE_WINDOW_BYTES, maxFrameSize: MAX_FRAME_BYTES });
    });
  }
  return servers.size > 0;
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
