/**
 * The pool coordinator's own lifecycle, without workers: a job shut down
 * while it waits for workers stops as a run does (CoordinatorStoppedError,
 * its last checkpoint kept) and leaves the pool; the server stops.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { netSpec, paramLayout } from '@kfkd/model';
import { memoryLogger } from '@kfkd/runtime';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { TokenCheck } from './auth.ts';
import { CoordinatorStoppedError } from './errors.ts';
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
