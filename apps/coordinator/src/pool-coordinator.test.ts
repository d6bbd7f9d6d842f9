/**
 * The pool coordinator's own lifecycle, without workers: a job shut down
 * while it waits for workers stops as a run does (CoordinatorStoppedError,
 * its last checkpoint kept) and leaves the pool; the server stops. Its
 * Watch streams the pool (pool-journal.ts).
 */
import * as grpc from '@grpc/grpc-js';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { netSpec, paramLayout } from '@kfkd/model';
import { metricValue } from '@kfkd/metrics';
import { kfkdProto, tokenMetadata } from '@kfkd/proto';
import type { WatchEvent__Output } from '@kfkd/proto';
import { memoryLogger } from '@kfkd/runtime';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { TokenCheck } from './auth.ts';
import { saveCheckpoint } from './checkpoint.ts';
import { CoordinatorStoppedError } from './errors.ts';
import { CoordinatorMetrics, JOB_LABEL } from './metrics.ts';
import { PoolCoordinator } from './pool-coordinator.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kfkd-pool-coordinator-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('a job waiting for workers stops on shutdown() as a run does, and leaves the pool; stop() closes the server', async () => {
  const spec = netSpec('tinyconv-test');
  const rows = (count: number) => ({ rows: count, pixels: new Uint8Array(count * 96 * 96), targets: new Float32Array(count * 30) });
  const log = memoryLogger();
  const pool = new PoolCoordinator({ listen: '127.0.0.1:0', tokens: new TokenCheck('a-worker-token'), tls: null, log });
  expect(await pool.start()).toBeGreaterThan(0);
  const run = pool.runJob('tiny', {
    spec,
    data: { columns: [], train: rows(64), valid: rows(8), sourceRows: 72 },
    parameters: new Float32Array(paramLayout(spec).size),
    seed: 1,
    runDir: join(dir, 'tiny'),
    runConfig: {},
    identity: { net: spec.name },
  });
  const outcome = run.catch((error: unknown) => error);
  while (!log.lines.some((l) => l.startsWith('waiting for workers'))) await new Promise((r) => setTimeout(r, 10));
  expect(log.lines.find((l) => l.startsWith('waiting for workers'))).toMatch(/"job":"tiny"/);
  pool.shutdown();
  expect(await outcome).toBeInstanceOf(CoordinatorStoppedError);
  expect(log.lines.join('\n')).toMatch(/job over \{"job":"tiny","jobs":0/);
  await pool.stop();
  expect(pool.state).toBe('stopped');
});

it('Watch streams the pool: PoolInfo, the status with its waiting job, the job named; the stream ends when the pool stops', async () => {
  const spec = netSpec('tinyconv-test');
  const rows = (count: number) => ({ rows: count, pixels: new Uint8Array(count * 96 * 96), targets: new Float32Array(count * 30) });
  const log = memoryLogger();
  const metrics = new CoordinatorMetrics(undefined, { pool: true });
  const pool = new PoolCoordinator({ listen: '127.0.0.1:0', tokens: new TokenCheck('a-worker-token', 'a-viewer-token'), tls: null, log, metrics });
  const port = await pool.start();
  const run = pool
    .runJob('tiny', {
      spec,
      data: { columns: [], train: rows(64), valid: rows(8), sourceRows: 72 },
      parameters: new Float32Array(paramLayout(spec).size),
      seed: 1,
      runDir: join(dir, 'tiny'),
      runConfig: {},
      identity: { net: spec.name },
      minWorkers: 2,
    })
    .catch((error: unknown) => error);
  while (!log.lines.some((l) => l.startsWith('waiting for workers'))) await new Promise((r) => setTimeout(r, 10));
  const client = new (kfkdProto().kfkd.v1.Coordinator)(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const call = client.Watch({}, tokenMetadata('a-viewer-token'));
  const seen: WatchEvent__Output[] = [];
  const ended = new Promise<void>((resolve, reject) => {
    call.on('end', () => resolve());
    call.on('error', reject);
  });
  call.on('data', (e: WatchEvent__Output) => seen.push(e));
  while (!seen.some((e) => e.replayDone)) await new Promise((r) => setTimeout(r, 10));
  expect(seen.map((e) => [e.event, e.job])).toEqual([
    ['poolInfo', ''],
    ['pool', ''],
    ['run', 'tiny'],
    ['replayDone', ''],
  ]);
  expect(seen[1]!.pool!.jobs).toEqual([{ name: 'tiny', net: 'tinyconv-test', state: 'waiting', epochsDone: 0, maxEpochs: spec.training.maxEpochs, bestValidRmsePx: 0, workers: 0, minWorkers: 2 }]);
  // The job reports to the pool's metrics under its name; the server to the pool's (the watcher's connection).
  expect(await metricValue(metrics.registry, 'kfkd_epochs_max', { [JOB_LABEL]: 'tiny' })).toBe(spec.training.maxEpochs);
  expect(await metricValue(metrics.registry, 'kfkd_workers', { [JOB_LABEL]: 'tiny', state: 'active' })).toBe(0);
  expect(await metricValue(metrics.registry, 'kfkd_grpc_sessions', { state: 'authenticated' })).toBe(1);
  pool.shutdown();
  await run;
  await pool.stop();
  await ended;
  expect(seen.at(-1)).toMatchObject({ event: 'finished', job: '', finished: { reason: 'aborted' } });
  expect(seen.find((e) => e.event === 'finished' && e.job === 'tiny')!.finished!.reason).toBe('failed');
  // An ended job's members gauges go; its other series stay.
  expect(await metricValue(metrics.registry, 'kfkd_workers', { [JOB_LABEL]: 'tiny', state: 'active' })).toBeUndefined();
  expect(await metricValue(metrics.registry, 'kfkd_epochs_max', { [JOB_LABEL]: 'tiny' })).toBe(spec.training.maxEpochs);
  client.close();
});

it("refuses the metrics of one run (they have no job label)", () => {
  expect(() => new PoolCoordinator({ listen: '127.0.0.1:0', tokens: new TokenCheck('t'), tls: null, log: memoryLogger(), metrics: new CoordinatorMetrics() })).toThrow(/pool: true/);
});

it('a job whose run is already finished is not trained, and the Watch shows it as it ended, with its history', async () => {
  const spec = netSpec('tinyconv-test');
  const maxEpochs = spec.training.maxEpochs;
  const rows = (count: number) => ({ rows: count, pixels: new Uint8Array(count * 96 * 96), targets: new Float32Array(count * 30) });
  const size = paramLayout(spec).size;
  const history = Array.from({ length: maxEpochs }, (_, i) => ({ epoch: i + 1, trainLoss: 0.1, validLoss: 0.2, trainValidRatio: 0.5, validRmsePx: 30 - i / maxEpochs, learningRate: 0.01, momentum: 0.9, seconds: 1 }));
  const identity = { net: spec.name };
  const runDir = join(dir, 'done');
  await mkdir(runDir);
  await saveCheckpoint(runDir, identity, { epoch: maxEpochs + 1, step: 0, epochLossSum: 0, epochSeconds: 0, parameters: new Float32Array(size), velocity: new Float32Array(size), history, earlyStopping: null, bestWeights: null });
  const pool = new PoolCoordinator({ listen: '127.0.0.1:0', tokens: new TokenCheck('t'), tls: null, log: memoryLogger() });
  await pool.start();
  const outcome = await pool.runJob('done', { spec, data: { columns: [], train: rows(64), valid: rows(8), sourceRows: 72 }, parameters: new Float32Array(size), seed: 1, runDir, runConfig: {}, identity });
  expect(outcome.alreadyFinished).toBe(true);
  expect(pool.journal.status().jobs).toEqual([{ name: 'done', net: spec.name, state: 'completed', epochsDone: maxEpochs, maxEpochs, bestValidRmsePx: history.at(-1)!.validRmsePx, workers: 0, minWorkers: 1 }]);
  const replay = pool.journal.replay();
  expect(replay.filter((e) => e.job === 'done' && e.epoch)).toHaveLength(maxEpochs);
  expect(replay.find((e) => e.job === 'done' && e.finished)!.finished).toEqual({ reason: 'completed' });
  await pool.stop();
});
