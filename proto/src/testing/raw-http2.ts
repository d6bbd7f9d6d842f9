/**
 * Raw node:http2 clients for tests of a kfkd gRPC server's connection
 * limits (session-guard.ts): what settings a connection is given, and the
 * grpc-status a bare call gets, without grpc-js on the client side.
 */
import * as http2 from 'node:http2';

/** HTTP/2's initial window, which a connection keeps until it authenticates. */
export const DEFAULT_WINDOW = 65_535;

/** Opens a connection to 127.0.0.1:`port` (handed to `onOpen`, to be destroyed after the test); resolves once connected or closed. */
export async function connectRaw(port: number, onOpen: (client: http2.ClientHttp2Session) => void): Promise<http2.ClientHttp2Session> {
  const client = http2.connect(`http://127.0.0.1:${port}`);
  client.on('error', () => undefined);
  onOpen(client);
  await new Promise<void>((resolve) => {
    client.once('connect', () => resolve());
    client.once('close', () => resolve());
  });
  return client;
}

/** The server's settings as this client knows them `ms` after now (the server may send SETTINGS twice). */
export async function settingsAfter(client: http2.ClientHttp2Session, ms: number): Promise<http2.Settings> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return client.remoteSettings;
}

/** A call of `path` with `body` (a gRPC-framed request, or none), with the token or not; resolves with its grpc-status. */
export function rawCall(client: http2.ClientHttp2Session, path: string, token: string | null, body?: Buffer): Promise<string | undefined> {
  const stream = client.request({
    ':method': 'POST',
    ':path': path,
    'content-type': 'application/grpc',
    te: 'trailers',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  });
  stream.end(body);
  stream.resume();
  return new Promise((resolve) => {
    stream.on('trailers', (trailers) => resolve(String(trailers['grpc-status'])));
    stream.on('response', (headers) => headers['grpc-status'] !== undefined && resolve(String(headers['grpc-status'])));
    stream.on('close', () => resolve(undefined));
  });
}

export const isClosed = (client: http2.ClientHttp2Session): boolean => client.closed || client.destroyed;
