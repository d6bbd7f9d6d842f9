/**
 * The Watch rpc over a real gRPC server on loopback: token checked, replay
 * first, then live, ended by the run's end; a viewer that does not read is
 * dropped, counted, and costs the coordinator a bounded amount of memory.
 */
import * as grpc from '@grpc/grpc-js';
import * as http2 from 'node:http2';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { metricValue } from '@kfkd/metrics';
import { kfkdProto, tokenMetadata } from '@kfkd/proto';
import type { CoordinatorClient, WatchEvent__Output } from '@kfkd/proto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TokenCheck } from './auth.ts';
import { memoryLogger } from '@kfkd/runtime';
import { WorkerPool } from './pool.ts';
import { startServer, stopServer } from './server.ts';
import { CoordinatorMetrics } from './metrics.ts';
import { CoordinatorService } from './service.ts';
import { WatchJournal } from './watch-journal.ts';

const TOKEN = 'watch-token';
const rows = { rows: 0, pixels: new Uint8Array(0), targets: new Float32Array(0) };
const journal = new WatchJournal({
  run: { net: 'net1', data: 'd.csv', trainRows: 1, validRows: 1, batchSize: 1, maxEpochs: 3, stepsPerEpoch: 1, parameterCount: 1, flip: false, startedAtMs: 0 },
  hyperparameters: () => ({ learningRate: 0.01, momentum: 0.9 }),
});
const record = (epoch: number) => ({ epoch, trainLoss: 0.1, validLoss: 0.2, trainValidRatio: 0.5, validRmsePx: 21.5, learningRate: 0.01, momentum: 0.9, seconds: 1 });
let server: grpc.Server;
let client: CoordinatorClient;

beforeAll(async () => {
  const log = memoryLogger();
  const pool = new WorkerPool({ data: { columns: [], train: rows, valid: rows, sourceRows: 0 }, specJson: '{}', parameterCount: 1, minWorkers: 1, stepTimeoutMs: 1000, heartbeatTimeoutMs: 1000, log });
  const service = new CoordinatorService(pool, new TokenCheck(TOKEN), log, journal);
  const bound = await startServer('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (s, sessions) => service.addToServer(s, sessions));
  server = bound.server;
  client = new (kfkdProto().kfkd.v1.Coordinator)(`127.0.0.1:${bound.port}`, grpc.credentials.createInsecure());
});

afterAll(async () => {
  client?.close();
  if (server) await stopServer(server, 0);
});

it('refuses a watcher without the token', async () => {
  const call = client.Watch({}, tokenMetadata('wrong'));
  const error = await new Promise<grpc.ServiceError>((resolve) => call.on('error', resolve));
  expect(error.code).toBe(grpc.status.UNAUTHENTICATED);
});

it('replays the history, streams live epochs, and ends after the run finished', async () => {
  journal.epoch(record(1));
  const call = client.Watch({}, tokenMetadata(TOKEN));
  const seen: WatchEvent__Output[] = [];
  const ended = new Promise<void>((resolve, reject) => {
    call.on('end', () => resolve());
    call.on('error', reject);
  });
  call.on('data', (e: WatchEvent__Output) => {
    seen.push(e);
    if (e.event === 'replayDone') {
      journal.epoch(record(2));
      journal.finish('completed');
    }
  });
  await ended;
  expect(seen.map((e) => e.event)).toEqual(['run', 'epoch', 'replayDone', 'epoch', 'finished']);
  expect(seen.filter((e) => e.epoch).map((e) => e.epoch!.epoch)).toEqual([1, 2]);
});

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

it('drops a viewer that does not read, counts it, closes its connection, and holds a bounded amount of memory meanwhile', async () => {
  const log = memoryLogger();
  const metrics = new CoordinatorMetrics();
  const live = new WatchJournal({ run: { ...journal.replay()[0].run! }, hyperparameters: () => ({ learningRate: 0.01, momentum: 0.9 }) });
  const pool = new WorkerPool({ data: { columns: [], train: rows, valid: rows, sourceRows: 0 }, specJson: '{}', parameterCount: 1, minWorkers: 1, stepTimeoutMs: 1000, heartbeatTimeoutMs: 1000, log });
  const service = new CoordinatorService(pool, new TokenCheck(TOKEN), log, live, metrics);
  const bound = await startServer('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (s, sessions) => service.addToServer(s, sessions), { observer: metrics });
  const viewer = http2.connect(`http://127.0.0.1:${bound.port}`);
  viewer.on('error', () => undefined);
  try {
    // A raw Watch call whose response is never read: its windows fill up and stay full.
    const stream = viewer.request({ ':method': 'POST', ':path': '/kfkd.v1.Coordinator/Watch', 'content-type': 'application/grpc', te: 'trailers', authorization: `Bearer ${TOKEN}` });
    stream.on('error', () => undefined);
    stream.end(Buffer.alloc(5));
    await new Promise((resolve) => stream.once('response', resolve));
    gc();
    const before = process.memoryUsage().arrayBuffers;
    // 1000 sets of 16 sample faces (150 KB each): 150 MB the viewer never takes.
    const faces = Array.from({ length: 16 }, () => ({ pixels: new Uint8Array(9216), predicted: new Float32Array(30), truth: new Float32Array(30) }));
    for (let epoch = 1; epoch <= 1000; epoch++) {
      live.predictions(epoch, faces);
      if (epoch % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    gc();
    const grownMiB = (process.memoryUsage().arrayBuffers - before) / 2 ** 20;
    expect(grownMiB).toBeLessThan(32);
    expect(await metricValue(metrics.registry, 'kfkd_watch_viewers_dropped_total', { reason: 'slow' })).toBe(1);
    // Its stream held what it could not send: after the grace period the connection is closed.
    await new Promise<void>((resolve) => viewer.once('close', () => resolve()));
    expect(viewer.destroyed).toBe(true);
  } finally {
    viewer.destroy();
    await stopServer(bound.server, 0);
  }
}, 20_000);
