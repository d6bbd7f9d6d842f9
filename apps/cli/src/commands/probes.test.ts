/**
 * The probes of real `kfkd` processes: a worker is ready (/readyz 200) only
 * while it is joined to a coordinator and holds the current parameters, and
 * alive (/livez 200) throughout; a coordinator is ready while it accepts
 * workers. (/livez answered while a step blocks the worker's main thread:
 * libs/metrics/src/threaded-server.test.ts.)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startKfkd, startWorker } from '../testing/cluster.ts';
import { kfkd } from '../testing/kfkd-process.ts';
import { freePort } from '../testing/free-port.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kfkd-probes-'));
  expect((await kfkd('synth', '--rows', '60', '--label-all', '1', '--out', join(dir, 'train.csv'))).code).toBe(0);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});


async function status(port: number, path: string): Promise<number> {
  return (await fetch(`http://127.0.0.1:${port}${path}`)).status;
}

/** Polls `path` until it answers `want` (every 100 ms, up to `timeoutMs`); resolves with the last status. */
async function statusBecomes(port: number, path: string, want: number, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = await status(port, path);
  while (last !== want && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    last = await status(port, path);
  }
  return last;
}

const SERVING = /serving metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics/;
const METRICS_ON_ANY_PORT = { KFKD_METRICS_LISTEN: '127.0.0.1:0' };

it('a worker is alive but not ready before it joins, ready once it holds the parameters, and not ready again when its coordinator goes away', async () => {
  const port = await freePort();
  const worker = startWorker(port, 'probed', 'cpu', METRICS_ON_ANY_PORT);
  const workerMetrics = Number((await worker.waitFor(SERVING))[1]);
  await worker.waitFor(/session ended; reconnecting/);
  expect(await status(workerMetrics, '/livez')).toBe(200);
  expect(await status(workerMetrics, '/readyz')).toBe(503);
  expect(await status(workerMetrics, '/healthz')).toBe(503);

  const coordinator = startKfkd(
    ['coordinator', '--listen', `127.0.0.1:${port}`, '--net', 'tinyconv-test', '--data', join(dir, 'train.csv'), '--epochs', '1000', '--batch', '16', '--run-dir', join(dir, 'run')],
    METRICS_ON_ANY_PORT,
  );
  const coordinatorMetrics = Number((await coordinator.waitFor(SERVING))[1]);
  await coordinator.waitFor(/listening on 127\.0\.0\.1:/);
  expect(await statusBecomes(coordinatorMetrics, '/readyz', 200)).toBe(200);
  expect(await status(coordinatorMetrics, '/livez')).toBe(200);
  expect(await status(coordinatorMetrics, '/healthz')).toBe(200);

  await worker.waitFor(/first task of the session/);
  expect(await statusBecomes(workerMetrics, '/readyz', 200)).toBe(200);
  expect(await status(workerMetrics, '/healthz')).toBe(200);
  expect(await status(workerMetrics, '/livez')).toBe(200);

  coordinator.kill('SIGKILL');
  await coordinator.exited;
  await worker.waitForNext(/session ended; reconnecting/);
  expect(await statusBecomes(workerMetrics, '/readyz', 503)).toBe(503);
  expect(await status(workerMetrics, '/livez')).toBe(200);
  worker.kill('SIGTERM');
  await worker.exited;
}, 120_000);

it('refuses a --liveness-timeout that is not a positive number, naming the flag', async () => {
  const result = await kfkd('worker', '--coordinator', '127.0.0.1:1', '--liveness-timeout', '0');
  expect(result.code).not.toBe(0);
  expect(result.stderr).toMatch(/--liveness-timeout.*expected a positive number, got '0'/);
});
