/**
 * The gRPC edge counts what it refuses, by rpc and reason, and the gradient
 * bytes it receives: a raw client on loopback sends bad requests to a real
 * server running CoordinatorService.
 */
import * as grpc from '@grpc/grpc-js';
import { metricValue } from '@kfkd/metrics';
import { type CoordinatorClient, PROTOCOL_VERSION, kfkdProto, tokenMetadata } from '@kfkd/proto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TokenCheck } from './auth.ts';
import { memoryLogger } from '@kfkd/runtime';
import { CoordinatorMetrics } from './metrics.ts';
import { WorkerPool } from './pool.ts';
import { SERVER_MAX_RECEIVE_BYTES, startServer, stopServer } from './server.ts';
import { CoordinatorService } from './service.ts';

const TOKEN = 'service-metrics-token';
const VIEWER_TOKEN = 'service-metrics-viewer';
let server: grpc.Server;
let client: CoordinatorClient;
let port: number;
const metrics = new CoordinatorMetrics();

beforeAll(async () => {
  const log = memoryLogger();
  const empty = { rows: 0, pixels: new Uint8Array(0), targets: new Float32Array(0) };
  const pool = new WorkerPool({ data: { columns: [], train: empty, valid: empty, sourceRows: 0 }, specJson: '{}', parameterCount: 4, minWorkers: 1, stepTimeoutMs: 1000, heartbeatTimeoutMs: 1000, log, observers: [metrics] });
  const service = new CoordinatorService(pool, new TokenCheck(TOKEN, VIEWER_TOKEN), log, undefined, metrics);
  const bound = await startServer('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (s, sessions) => service.addToServer(s, sessions), { interceptors: [service.interceptor()] });
  port = bound.port;
  server = bound.server;
  const Client = kfkdProto().kfkd.v1.Coordinator;
  client = new Client(`127.0.0.1:${bound.port}`, grpc.credentials.createInsecure()) as CoordinatorClient;
});

afterAll(async () => {
  client.close();
  await stopServer(server, 0);
});

/** Starts a Join and resolves with its error status. */
function joinStatus(request: { protocolVersion: number; workerId: string }, token: string): Promise<grpc.status> {
  return new Promise((resolve) => {
    const call = client.join({ ...request, backend: 'cpu', device: 'cpu' }, tokenMetadata(token));
    call.on('data', () => undefined);
    call.on('error', (error: grpc.ServiceError) => resolve(error.code));
  });
}

const rejected = (rpc: string, reason: string): Promise<number | undefined> => metricValue(metrics.registry, 'kfkd_rejected_messages_total', { rpc, reason });

it('counts refused joins by reason', async () => {
  expect(await joinStatus({ protocolVersion: PROTOCOL_VERSION, workerId: 'w' }, 'wrong')).toBe(grpc.status.UNAUTHENTICATED);
  expect(await joinStatus({ protocolVersion: PROTOCOL_VERSION + 1, workerId: 'w' }, TOKEN)).toBe(grpc.status.FAILED_PRECONDITION);
  expect(await joinStatus({ protocolVersion: PROTOCOL_VERSION, workerId: 'bad id!' }, TOKEN)).toBe(grpc.status.INVALID_ARGUMENT);
  expect(await rejected('join', 'unauthenticated')).toBe(1);
  expect(await rejected('join', 'protocol-version')).toBe(1);
  expect(await rejected('join', 'malformed')).toBe(1);
});

it('counts refused reports and heartbeats, and the gradient bytes that arrived', async () => {
  const report = (token: string) =>
    new Promise<grpc.ServiceError | null>((resolve) => {
      const call = client.report(tokenMetadata(token), (e) => resolve(e));
      call.write({ result: { workerId: 'ghost', session: 7, generation: 1, taskId: 1, epoch: 1, step: 0, lossSum: 1, count: 1 } });
      call.end();
    });
  // A gradient chunk is counted even before its TaskResult (which is refused): the bytes arrived.
  const headless = await new Promise<grpc.ServiceError | null>((resolve) => {
    const call = client.report(tokenMetadata(TOKEN), (e) => resolve(e));
    call.write({ gradient: { offset: 0, values: Buffer.alloc(16) } });
    call.end();
  });
  expect(headless?.code).toBe(grpc.status.INVALID_ARGUMENT);
  expect(headless?.details).toMatch(/gradient chunk before its TaskResult/);
  expect((await report(TOKEN))?.code).toBe(grpc.status.FAILED_PRECONDITION);
  expect((await report('wrong'))?.code).toBe(grpc.status.UNAUTHENTICATED);
  const heartbeat = await new Promise<grpc.ServiceError | null>((resolve) => client.heartbeat({ workerId: 'ghost', session: 7, generation: 1 }, tokenMetadata(TOKEN), (e) => resolve(e)));
  expect(heartbeat?.code).toBe(grpc.status.FAILED_PRECONDITION);

  expect(await rejected('report', 'unknown-worker')).toBe(1);
  expect(await rejected('report', 'unauthenticated')).toBe(1);
  expect(await rejected('report', 'invalid-result')).toBe(1);
  expect(await rejected('heartbeat', 'unknown-session')).toBe(1);
  // Counted once the token is checked: an unauthenticated caller's bytes are not.
  expect(await metricValue(metrics.registry, 'kfkd_gradient_bytes_received_total')).toBe(16);
});

it('refuses a viewer token on the workers\' rpcs with PERMISSION_DENIED, counted, and lets it watch', async () => {
  expect(await joinStatus({ protocolVersion: PROTOCOL_VERSION, workerId: 'viewer' }, VIEWER_TOKEN)).toBe(grpc.status.PERMISSION_DENIED);
  const reported = await new Promise<grpc.ServiceError | null>((resolve) => {
    const call = client.report(tokenMetadata(VIEWER_TOKEN), (e) => resolve(e));
    call.write({ result: { workerId: 'viewer', session: 1, generation: 1, taskId: 1, epoch: 1, step: 0, lossSum: 1, count: 1 } });
    call.end();
  });
  expect(reported?.code).toBe(grpc.status.PERMISSION_DENIED);
  const beat = await new Promise<grpc.ServiceError | null>((resolve) => client.heartbeat({ workerId: 'viewer', session: 1, generation: 1 }, tokenMetadata(VIEWER_TOKEN), (e) => resolve(e)));
  expect(beat?.code).toBe(grpc.status.PERMISSION_DENIED);
  // Past the token check: this service keeps no journal, which is the next refusal.
  const watched = await new Promise<grpc.ServiceError>((resolve) => client.Watch({}, tokenMetadata(VIEWER_TOKEN)).on('error', resolve));
  expect(watched.code).toBe(grpc.status.UNIMPLEMENTED);
  const unknown = await new Promise<grpc.ServiceError>((resolve) => client.Watch({}, tokenMetadata('wrong')).on('error', resolve));
  expect(unknown.code).toBe(grpc.status.UNAUTHENTICATED);

  expect(await rejected('join', 'permission-denied')).toBe(1);
  expect(await rejected('report', 'permission-denied')).toBe(1);
  expect(await rejected('heartbeat', 'permission-denied')).toBe(1);
  expect(await rejected('watch', 'unauthenticated')).toBe(1);
});

it('refuses undecodable requests with INVALID_ARGUMENT and counts them, and counts calls that end before their request is read (too large) and refused watches', async () => {
  const watchesRefused = (await rejected('watch', 'unauthenticated')) ?? 0;
  const raw = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': -1, 'grpc.use_local_subchannel_pool': 1 });
  const identity = (b: Buffer): Buffer => b;
  // Field 15 with wire type 7, which does not exist: undecodable.
  const garbage = Buffer.from([0x7f, 0x01]);
  const heartbeat = await new Promise<grpc.ServiceError | null>((resolve) =>
    raw.makeUnaryRequest('/kfkd.v1.Coordinator/Heartbeat', identity, identity, garbage, tokenMetadata(TOKEN), (e) => resolve(e)),
  );
  expect(heartbeat?.code).toBe(grpc.status.INVALID_ARGUMENT);
  expect(heartbeat?.details).toMatch(/^malformed request: /);
  const oversized = await new Promise<grpc.ServiceError | null>((resolve) => {
    const call = raw.makeClientStreamRequest('/kfkd.v1.Coordinator/Report', identity, identity, tokenMetadata(TOKEN), (e) => resolve(e));
    call.write(Buffer.alloc(SERVER_MAX_RECEIVE_BYTES + 1));
    call.end();
  });
  expect(oversized?.code, oversized?.details).toBe(grpc.status.RESOURCE_EXHAUSTED);
  const watch = await new Promise<grpc.ServiceError>((resolve) => {
    const call = client.watch({}, tokenMetadata('wrong'));
    call.on('data', () => undefined);
    call.on('error', resolve);
  });
  expect(watch.code).toBe(grpc.status.UNAUTHENTICATED);
  raw.close();
  expect(await rejected('heartbeat', 'malformed')).toBe(1);
  expect(await rejected('report', 'incomplete')).toBe(1);
  expect(await rejected('watch', 'unauthenticated')).toBe(watchesRefused + 1);
});
