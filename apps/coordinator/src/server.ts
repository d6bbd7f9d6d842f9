/**
 * The coordinator's gRPC server: message size limits, keepalive and
 * (optionally) TLS, bound with its error checked.
 */
import * as grpc from '@grpc/grpc-js';
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
};

export async function serverCredentials(tls: TlsFiles | null): Promise<grpc.ServerCredentials> {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  const [cert, key, ca] = await Promise.all([readFile(tls.cert), readFile(tls.key), tls.clientCa ? readFile(tls.clientCa) : null]);
  return grpc.ServerCredentials.createSsl(ca, [{ cert_chain: cert, private_key: key }], ca !== null);
}

/** Starts a server with `register`ed services on `address` (host:port; port 0 picks one); resolves with the bound port. */
export async function startServer(address: string, credentials: grpc.ServerCredentials, register: (server: grpc.Server) => void): Promise<{ server: grpc.Server; port: number }> {
  if (!/^.+:\d+$/.test(address)) throw new CoordinatorConfigError(`--listen must be HOST:PORT, got '${address}'`);
  const server = new grpc.Server(SERVER_OPTIONS);
  register(server);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, credentials, (error, bound) => (error ? reject(new ListenError(address, error.message)) : resolve(bound)));
  });
  return { server, port };
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
