/**
 * Garbage below gRPC: random bytes over TCP, a broken HTTP/2 preface, and a
 * valid HTTP/2 session carrying bogus gRPC requests (absurd length
 * prefixes, truncated frames, unknown compression, a gzip bomb, unknown
 * methods, wrong content types). Outcomes are what the client saw: the
 * connection closed, or the grpc-status of the response.
 */
import { connect as http2Connect, constants as h2 } from 'node:http2';
import { connect as netConnect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { SERVER_MAX_RECEIVE_BYTES } from '@kfkd/coordinator';
import { METHOD_PATH, type RpcName, RPCS, grpcFrame } from './codec.ts';
import type { Prng } from './prng.ts';
import type { FuzzTransport } from './transport.ts';

export interface WireOutcome {
  readonly probe: string;
  /** The method the request named, when it named one of the service's. */
  readonly rpc: RpcName | null;
  /** 'grpc-<code>' for a gRPC status, 'http-<status>' without one, or how the connection ended. */
  readonly result: string;
}

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const PROBE_TIMEOUT_MS = 2000;

/** Bytes written on a fresh TCP connection; resolves when the server closes it (or after a timeout, when the client does). */
function tcpProbe(port: number, bytes: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = netConnect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('left-open');
    }, PROBE_TIMEOUT_MS);
    socket.on('error', () => undefined);
    socket.on('data', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve('closed-by-server');
    });
    socket.write(bytes);
  });
}

export function randomTcp(port: number, rng: Prng): Promise<WireOutcome> {
  return tcpProbe(port, rng.bytes(1 + rng.int(4096))).then((result) => ({ probe: 'tcp-random', rpc: null, result }));
}

export function brokenPreface(port: number, rng: Prng): Promise<WireOutcome> {
  const preface = Buffer.from(PREFACE);
  const kind = rng.int(3);
  const bytes =
    kind === 0
      ? preface.subarray(0, rng.int(preface.length)) // cut short, then silence: the server must not wait forever
      : kind === 1
        ? Buffer.concat([preface.map((b, i) => (i === rng.int(preface.length) ? b ^ 0x20 : b)) as Buffer, rng.bytes(64)])
        : Buffer.concat([preface, rng.bytes(9 + rng.int(256))]); // a valid preface, then frames of garbage
  return tcpProbe(port, Buffer.from(bytes)).then((result) => ({ probe: `preface-${['cut', 'flipped', 'garbage-frames'][kind]}`, rpc: null, result }));
}

interface BogusRequest {
  readonly probe: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body: Buffer;
  /** Leave the request stream open after the body (a truncated message then silence). */
  readonly holdOpen?: boolean;
  /** Refused (if at all) by the HTTP/2 layer, before any gRPC handler: not the coordinator's to count. */
  readonly headerProbe?: boolean;
}

function bogusRequests(rng: Prng, token: string): BogusRequest[] {
  const rpc = rng.pick(RPCS);
  const path = METHOD_PATH[rpc];
  const auth = { authorization: `Bearer ${token}` };
  return [
    { probe: 'prefix-4GiB', path, headers: auth, body: Buffer.concat([grpcFrame(rng.bytes(16), false, 0xffffffff)]) },
    { probe: 'prefix-limit+1', path, headers: auth, body: grpcFrame(rng.bytes(64), false, SERVER_MAX_RECEIVE_BYTES + 1) },
    { probe: 'prefix-beyond-body', path, headers: auth, body: grpcFrame(rng.bytes(8), false, 1000 + rng.int(100_000)) },
    { probe: 'prefix-cut-hold-open', path, headers: auth, body: grpcFrame(rng.bytes(8), false, 1000).subarray(0, 3), holdOpen: true },
    { probe: 'compressed-flag-no-encoding', path, headers: auth, body: grpcFrame(rng.bytes(32), true) },
    { probe: 'gzip-garbage', path, headers: { ...auth, 'grpc-encoding': 'gzip' }, body: grpcFrame(rng.bytes(64), true) },
    // 32 MiB of zeros in about 32 KiB: refused once the message limit has come out, not after inflating it all.
    { probe: 'gzip-bomb', path, headers: { ...auth, 'grpc-encoding': 'gzip' }, body: grpcFrame(gzipSync(Buffer.alloc(32 * 1024 * 1024)), true) },
    { probe: 'unknown-encoding', path, headers: { ...auth, 'grpc-encoding': 'snappy-ish' }, body: grpcFrame(rng.bytes(32), true) },
    { probe: 'unknown-method', path: `/kfkd.v1.Coordinator/${rng.pick(['Leave', 'Admin', 'join', ''])}`, headers: auth, body: grpcFrame(rng.bytes(8)) },
    { probe: 'wrong-content-type', path, headers: { ...auth, 'content-type': 'application/json' }, body: Buffer.from('{"workerId":"x"}') },
    { probe: 'many-frames', path, headers: auth, body: Buffer.concat(Array.from({ length: 50 }, () => grpcFrame(rng.bytes(rng.int(64))))) },
  ];
}

/**
 * Requests with bad authorization headers, each on a session of its own (a
 * header block too large costs the whole connection). Two values cannot be
 * sent: grpc-js and node:http2 both refuse to.
 */
function badHeaderRequests(rng: Prng, token: string): BogusRequest[] {
  const path = METHOD_PATH[rng.pick(RPCS)];
  return [
    { probe: 'latin1-authorization', path, headers: { authorization: `Bearer ${token}\u00ff\u00fe` }, body: grpcFrame(Buffer.alloc(0)), headerProbe: true },
    { probe: 'huge-authorization', path, headers: { authorization: `Bearer ${'x'.repeat(4096 + rng.int(60_000))}` }, body: grpcFrame(Buffer.alloc(0)), headerProbe: true },
  ];
}

/** Bogus gRPC requests on one HTTP/2 session, and bad-header ones on a session each; the outcome of each. */
export async function bogusGrpc(transport: FuzzTransport, rng: Prng): Promise<WireOutcome[]> {
  const headers = badHeaderRequests(rng, transport.workerToken);
  const outcomes = await Promise.all([onSession(transport, bogusRequests(rng, transport.workerToken)), ...headers.map((r) => onSession(transport, [r]))]);
  return outcomes.flat();
}

async function onSession(transport: FuzzTransport, requests: readonly BogusRequest[]): Promise<WireOutcome[]> {
  const session = http2Connect(transport.http2Url, transport.http2Options);
  session.on('error', () => undefined);
  try {
    return await Promise.all(
      requests.map(
        (request) =>
          new Promise<WireOutcome>((resolve) => {
            const named = (Object.keys(METHOD_PATH) as RpcName[]).find((rpc) => METHOD_PATH[rpc] === request.path) ?? null;
            const rpc = request.headers?.['content-type'] || request.headerProbe ? null : named;
            const done = (result: string): void => {
              clearTimeout(timer);
              resolve({ probe: request.probe, rpc, result });
            };
            const stream = session.request({
              [h2.HTTP2_HEADER_METHOD]: 'POST',
              [h2.HTTP2_HEADER_PATH]: request.path,
              'content-type': 'application/grpc',
              te: 'trailers',
              ...request.headers,
            });
            let status: string | null = null;
            let httpStatus = 0;
            const timer = setTimeout(() => {
              stream.close(h2.NGHTTP2_CANCEL);
              done(status ?? 'no-status-in-time');
            }, PROBE_TIMEOUT_MS);
            stream.on('response', (headers) => {
              httpStatus = Number(headers[':status']);
              if (headers['grpc-status'] !== undefined) status = `grpc-${String(headers['grpc-status'])}`;
            });
            stream.on('trailers', (trailers) => {
              if (trailers['grpc-status'] !== undefined) status = `grpc-${String(trailers['grpc-status'])}`;
            });
            stream.on('data', () => undefined);
            stream.on('error', () => undefined);
            stream.on('close', () => done(status ?? (httpStatus ? `http-${httpStatus}` : 'stream-reset')));
            stream.write(request.body);
            if (!request.holdOpen) stream.end();
          }),
      ),
    );
  } finally {
    session.destroy();
  }
}
