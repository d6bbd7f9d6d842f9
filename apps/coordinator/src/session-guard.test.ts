/**
 * The session limits of the coordinator's gRPC server (session-guard.ts),
 * seen from raw node:http2 clients on loopback: what an unauthenticated
 * connection gets (small window, few streams, a deadline), what an
 * authenticated one gets (the 64 MiB window), the caps, and the memory that
 * a flood of unauthenticated connections can make the server hold.
 */
import * as grpc from '@grpc/grpc-js';
import { spawn } from 'node:child_process';
import * as http2 from 'node:http2';
import { metricValue } from '@kfkd/metrics';
import { memoryLogger } from '@kfkd/runtime';
import { DEFAULT_WINDOW, connectRaw, isClosed, rawCall, settingsAfter } from '@kfkd/proto/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { TokenCheck } from './auth.ts';
import { CoordinatorMetrics } from './metrics.ts';
import { WorkerPool } from './pool.ts';
import { SERVER_MAX_RECEIVE_BYTES, type ServerOptions, startServer, stopServer } from './server.ts';
import { MAX_STREAMS, RECEIVE_WINDOW_BYTES, type SessionLimits, UNAUTHENTICATED_MAX_STREAMS } from '@kfkd/proto';
import { CoordinatorService } from './service.ts';

const TOKEN = 'session-guard-token';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A coordinator's gRPC edge (token check included) on loopback, with its metrics. */
async function coordinator(sessions?: SessionLimits): Promise<{ port: number; metrics: CoordinatorMetrics }> {
  const log = memoryLogger();
  const metrics = new CoordinatorMetrics();
  const empty = { rows: 0, pixels: new Uint8Array(0), targets: new Float32Array(0) };
  const pool = new WorkerPool({ data: { columns: [], train: empty, valid: empty, sourceRows: 0 }, specJson: '{}', parameterCount: 4, minWorkers: 1, stepTimeoutMs: 1000, heartbeatTimeoutMs: 1000, log });
  const service = new CoordinatorService(pool, new TokenCheck(TOKEN), log, undefined, metrics);
  const limits: ServerOptions = { sessions, observer: metrics };
  const bound = await startServer('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (s, guard) => service.addToServer(s, guard), limits);
  metrics.watchSessions(() => bound.sessions.counts());
  cleanups.push(() => stopServer(bound.server, 0));
  return { port: bound.port, metrics };
}

const connect = (port: number): Promise<http2.ClientHttp2Session> => connectRaw(port, (client) => cleanups.push(() => void client.destroy()));
/** A Heartbeat as a raw gRPC request: an empty message, with the token or not. */
const heartbeat = (client: http2.ClientHttp2Session, token: string | null): Promise<string | undefined> => rawCall(client, '/kfkd.v1.Coordinator/Heartbeat', token, Buffer.alloc(5));
const closed = isClosed;
const refused = (metrics: CoordinatorMetrics, reason: string): Promise<number | undefined> => metricValue(metrics.registry, 'kfkd_grpc_sessions_refused_total', { reason });

describe('an unauthenticated connection', () => {
  it('keeps the default 64 KiB window and frames, and few streams, however long it waits', async () => {
    const { port } = await coordinator();
    const client = await connect(port);
    const settings = await settingsAfter(client, 300);
    expect(settings.initialWindowSize).toBe(DEFAULT_WINDOW);
    expect(settings.maxFrameSize).toBe(16_384);
    expect(settings.maxConcurrentStreams).toBe(UNAUTHENTICATED_MAX_STREAMS);
    // A wrong token changes nothing.
    expect(await heartbeat(client, 'wrong')).toBe(String(grpc.status.UNAUTHENTICATED));
    expect((await settingsAfter(client, 200)).initialWindowSize).toBe(DEFAULT_WINDOW);
  });

  it('is closed when it has not authenticated in time, and counted', async () => {
    const { port, metrics } = await coordinator({ maxSessions: 16, maxUnauthenticatedSessions: 8, authenticationTimeoutMs: 200 });
    const silent = await connect(port);
    const worker = await connect(port);
    expect(await heartbeat(worker, TOKEN)).toBe(String(grpc.status.FAILED_PRECONDITION));
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(closed(silent)).toBe(true);
    expect(closed(worker)).toBe(false);
    expect(await refused(metrics, 'authentication-timeout')).toBe(1);
  });
});

describe('an authenticated connection', () => {
  it('gets the 64 MiB receive window, 1 MiB frames and more streams once a call has passed the token check', async () => {
    const { port, metrics } = await coordinator();
    const client = await connect(port);
    expect(await heartbeat(client, TOKEN)).toBe(String(grpc.status.FAILED_PRECONDITION));
    const settings = await settingsAfter(client, 200);
    expect(settings.initialWindowSize).toBe(RECEIVE_WINDOW_BYTES);
    expect(settings.maxFrameSize).toBe(1024 * 1024);
    expect(settings.maxConcurrentStreams).toBe(MAX_STREAMS);
    expect(await metricValue(metrics.registry, 'kfkd_grpc_sessions', { state: 'authenticated' })).toBe(1);
  });
});

describe('the caps', () => {
  it('closes unauthenticated connections over the cap at once, and counts them; authenticated ones do not count', async () => {
    const { port, metrics } = await coordinator({ maxSessions: 64, maxUnauthenticatedSessions: 3, authenticationTimeoutMs: 60_000 });
    const worker = await connect(port);
    expect(await heartbeat(worker, TOKEN)).toBe(String(grpc.status.FAILED_PRECONDITION));
    const peers = [];
    for (let i = 0; i < 6; i++) peers.push(await connect(port));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(peers.filter(closed)).toHaveLength(3);
    expect(closed(worker)).toBe(false);
    expect(await refused(metrics, 'too-many-unauthenticated')).toBe(3);
    expect(await metricValue(metrics.registry, 'kfkd_grpc_sessions', { state: 'unauthenticated' })).toBe(3);
  });

  it('refuses connections over the session cap at accept, and counts them', async () => {
    const { port, metrics } = await coordinator({ maxSessions: 4, maxUnauthenticatedSessions: 4, authenticationTimeoutMs: 60_000 });
    const peers = [];
    for (let i = 0; i < 4; i++) {
      const peer = await connect(port);
      await heartbeat(peer, TOKEN);
      peers.push(peer);
    }
    const extra = await connect(port);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(closed(extra)).toBe(true);
    expect(peers.filter(closed)).toHaveLength(0);
    expect(await refused(metrics, 'too-many-sessions')).toBe(1);
  });
});

/**
 * The attacker, in its own process so that its buffers do not count:
 * `sessions` connections, each opening `streams` Heartbeat calls without a
 * token whose message announces `bytes` and sends all but its last byte, so
 * the server holds what arrived while it waits for the rest.
 */
const ATTACKER = `
const http2 = require('node:http2');
const [port, sessions, streams, bytes] = process.argv.slice(1).map(Number);
const header = Buffer.alloc(5);
header.writeUInt32BE(bytes, 1);
const body = Buffer.concat([header, Buffer.alloc(bytes - 1, 7)]);
for (let s = 0; s < sessions; s++) {
  const client = http2.connect('http://127.0.0.1:' + port);
  client.on('error', () => {});
  for (let i = 0; i < streams; i++) {
    const stream = client.request({ ':method': 'POST', ':path': '/kfkd.v1.Coordinator/Heartbeat', 'content-type': 'application/grpc', te: 'trailers' });
    stream.on('error', () => {});
    stream.write(body);
  }
}
setInterval(() => {}, 1000);
`;

it("a flood of unauthenticated connections sending big messages is capped and the server's memory stays bounded", async () => {
  const { port, metrics } = await coordinator();
  const before = process.memoryUsage();
  // Unbounded, this makes the server hold 128 x 4 x 1 MiB = 512 MiB.
  const attacker = spawn(process.execPath, ['-e', ATTACKER, String(port), '128', '4', String(SERVER_MAX_RECEIVE_BYTES - 1024)], { stdio: 'ignore' });
  cleanups.push(() => void attacker.kill('SIGKILL'));
  let peakRss = 0;
  let peakBuffers = 0;
  for (let i = 0; i < 40; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = process.memoryUsage();
    peakRss = Math.max(peakRss, now.rss - before.rss);
    peakBuffers = Math.max(peakBuffers, now.arrayBuffers - before.arrayBuffers);
  }
  const mib = (bytes: number): number => Math.round(bytes / 2 ** 20);
  // The bound of DEFAULT_SESSION_LIMITS: 32 sessions x 2 streams x ~1.1 MiB, plus noise.
  expect(mib(peakBuffers), `peak growth: rss ${mib(peakRss)} MiB, buffers ${mib(peakBuffers)} MiB`).toBeLessThan(100);
  expect(mib(peakRss)).toBeLessThan(200);
  expect(await refused(metrics, 'too-many-unauthenticated')).toBe(128 - 32);
  expect(await metricValue(metrics.registry, 'kfkd_grpc_sessions', { state: 'unauthenticated' })).toBe(32);
});
