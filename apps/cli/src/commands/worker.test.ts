/**
 * `kfkd worker` while its coordinator is not up: a transient failure, retried
 * with growing backoff until the coordinator appears, then the worker trains
 * and exits 0. (Permanent refusals exit 3: security.test.ts, tls.test.ts, exit-codes.test.ts.)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readHistory, startKfkd, startWorker } from '../testing/cluster.ts';
import { kfkd } from '../testing/kfkd-process.ts';
import { freePort } from '../testing/free-port.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kfkd-worker-'));
  expect((await kfkd('synth', '--rows', '60', '--label-all', '1', '--out', join(dir, 'train.csv'))).code).toBe(0);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});


it('a worker whose coordinator is down retries with backoff, then joins and trains once it is up', async () => {
  const port = await freePort();
  const worker = startWorker(port, 'early-bird', 'wasm');
  const delays: number[] = [];
  for (let i = 0; i < 3; i++) {
    const m = await worker.waitForNext(/session ended; reconnecting code=UNAVAILABLE .*ECONNREFUSED.* inMs=(\d+)/);
    delays.push(Number(m[1]));
  }
  // Backoff doubles (jitter keeps each delay within [0.5, 1] of its ceiling): the third wait is longer than the first.
  expect(delays[2]).toBeGreaterThan(delays[0]);
  const runDir = join(dir, 'run');
  const coordinator = startKfkd(['coordinator', '--listen', `127.0.0.1:${port}`, '--net', 'tinyconv-test', '--data', join(dir, 'train.csv'), '--epochs', '1', '--batch', '16', '--run-dir', runDir]);
  expect(await coordinator.exited).toBe(0);
  expect(await worker.exited).toBe(0);
  expect(worker.stderr.join('\n')).toMatch(/done: training is over tasksAccepted=[1-9]/);
  expect(await readHistory(runDir)).toHaveLength(1);
});
