/**
 * Faults on the ring path (`--topology ring`): a worker killed in a ring
 * step is removed, the step is computed again on the star and the next ones
 * on a ring of the others; a frozen worker makes its ring round time out,
 * the star's deadline finds and removes it; a worker whose peers cannot
 * reach it (a wrong --peer-advertise, as a partitioned link) makes ring
 * rounds time out, and the steps go on on the star; a frozen worker makes
 * its ring round time out, the star's deadline removes it and the steps go
 * on on a ring of the others; a coordinator killed
 * mid-run and restarted resumes on a ring of the same workers. Every step is
 * applied once, and the history equals `kfkd train`'s. Real processes on
 * loopback; net1 on the cpu backend.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEBUG_LOG, type HistoryLine, appliedSteps, expectEveryStepOnce, expectSameHistory, readHistory, startCoordinator, startKfkd } from '../testing/cluster.ts';
import { kfkd } from '../testing/kfkd-process.ts';

const EPOCHS = 5;
// 150 complete rows: 30 validation, 120 training, so 4 steps of batch 32.
const STEPS = 4;
let dir: string;
let data: string;
let reference: HistoryLine[];
const training = (runDir: string): string[] => ['--net', 'net1', '--data', data, '--epochs', String(EPOCHS), '--batch', '32', '--run-dir', runDir];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kfkd-ring-faults-'));
  data = join(dir, 'train.csv');
  expect((await kfkd('synth', '--rows', '150', '--label-all', '1', '--out', data)).code).toBe(0);
  const runDir = join(dir, 'reference');
  const result = await kfkd('train', ...training(runDir), '--backend', 'cpu');
  expect(result.code, result.stderr).toBe(0);
  reference = await readHistory(runDir);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ringWorker = (port: number, id: string, ...extra: string[]) =>
  startKfkd(['worker', '--coordinator', `127.0.0.1:${port}`, '--id', id, '--backend', 'cpu', '--peer-listen', '127.0.0.1:0', ...extra], DEBUG_LOG);

it('a worker killed in a ring step is removed; the step is computed again on the star, the next ones on a ring of the others', async () => {
  const runDir = join(dir, 'sigkill');
  const { coordinator, port } = await startCoordinator([...training(runDir), '--topology', 'ring'], DEBUG_LOG);
  const workers = ['a', 'b', 'c'].map((id) => ringWorker(port, id));
  await coordinator.waitFor(/step topology topology=ring workers=3 /);
  await coordinator.waitFor(/^\s+1 \|/);
  // Frozen, it holds the ring's step in flight; then killed.
  workers[1].kill('SIGSTOP');
  await coordinator.waitForNext(/task sent worker=b .*ring=\d+/);
  workers[1].kill('SIGKILL');
  expect(await coordinator.exitedWithin(120_000), coordinator.stderr.join('\n')).toBe(0);
  const log = coordinator.stderr.join('\n');
  expect(log).toMatch(/worker removed worker=b session=\d+ reason=stream-closed/);
  expect(log).toMatch(/recomputing rows of lost workers part=train /);
  expect(log).toMatch(/step topology topology=ring workers=2 /);
  expectEveryStepOnce(appliedSteps(coordinator.stderr), EPOCHS, STEPS);
  expectSameHistory(await readHistory(runDir), reference);
  for (const w of [workers[0], workers[2]]) expect(await w.exitedWithin(30_000)).toBe(0);
}, 180_000);

it('a worker whose peers cannot reach it makes ring rounds time out; the steps go on on the star, every one applied once', async () => {
  const runDir = join(dir, 'unreachable');
  const { coordinator, port } = await startCoordinator([...training(runDir), '--topology', 'ring', '--min-workers', '3', '--step-timeout', '4'], DEBUG_LOG);
  // Port 9 (discard) on loopback: nothing listens there, as a link cut between workers that both still reach the coordinator.
  const workers = [ringWorker(port, 'a'), ringWorker(port, 'b', '--peer-advertise', '127.0.0.1:9'), ringWorker(port, 'c')];
  expect(await coordinator.exitedWithin(150_000), coordinator.stderr.join('\n')).toBe(0);
  const log = coordinator.stderr.join('\n');
  expect(log).toMatch(/ring round timed out: its rows are computed again on the star/);
  expect(log).toMatch(/step topology topology=star workers=3 why="a ring round timed out in generation \d+: star steps until the workers change"/);
  // Nobody was at fault on the star: no worker was removed.
  expect(log).not.toMatch(/worker removed/);
  expectEveryStepOnce(appliedSteps(coordinator.stderr), EPOCHS, STEPS);
  expectSameHistory(await readHistory(runDir), reference);
  for (const w of workers) expect(await w.exitedWithin(30_000)).toBe(0);
}, 200_000);

it('a coordinator killed with SIGKILL mid-run and restarted resumes from its checkpoint on a ring of the same workers', async () => {
  const runDir = join(dir, 'restart');
  const ring = [...training(runDir), '--topology', 'ring', '--min-workers', '3'];
  const first = await startCoordinator(ring, DEBUG_LOG);
  const workers = ['a', 'b', 'c'].map((id) => ringWorker(first.port, id));
  await first.coordinator.waitFor(/^\s+2 \|/);
  first.coordinator.kill('SIGKILL');
  await first.coordinator.exited;
  const second = startKfkd(['coordinator', '--listen', `127.0.0.1:${first.port}`, ...ring], DEBUG_LOG);
  const resumed = await second.waitFor(/resuming from the checkpoint .*: epoch (\d+), step (\d+)/);
  const from = { epoch: Number(resumed[1]), step: Number(resumed[2]) };
  expect(from.step).toBe(0);
  expect(await second.exitedWithin(120_000), second.stderr.join('\n')).toBe(0);
  expect(second.stderr.join('\n')).toMatch(/step topology topology=ring workers=3 /);
  for (const w of workers) expect(await w.exitedWithin(30_000)).toBe(0);
  expectEveryStepOnce(appliedSteps(first.coordinator.stderr).slice(0, (from.epoch - 1) * STEPS), from.epoch - 1, STEPS);
  expectEveryStepOnce(appliedSteps(second.stderr), EPOCHS, STEPS, from);
  expectSameHistory(await readHistory(runDir), reference);
}, 200_000);

it('a frozen worker (SIGSTOP) makes its ring round time out; the star\'s deadline (or its heartbeat) removes it, and the next steps go on a ring of the others', async () => {
  const runDir = join(dir, 'frozen');
  const { coordinator, port } = await startCoordinator([...training(runDir), '--topology', 'ring', '--step-timeout', '3', '--heartbeat-timeout', '2'], DEBUG_LOG);
  const workers = ['a', 'b', 'c'].map((id) => ringWorker(port, id));
  await coordinator.waitFor(/step topology topology=ring workers=3 /);
  workers[2].kill('SIGSTOP');
  await coordinator.waitFor(/worker removed worker=c session=\d+ reason=(deadline|heartbeat)/, 60_000);
  workers[2].kill('SIGKILL');
  expect(await coordinator.exitedWithin(120_000), coordinator.stderr.join('\n')).toBe(0);
  const log = coordinator.stderr.join('\n');
  // Frozen mid-round (the usual case) its ring round times out first; frozen between rounds, its heartbeat does.
  expect(log).toMatch(/ring round timed out: its rows are computed again on the star|worker removed worker=c session=\d+ reason=heartbeat/);
  expect(log).toMatch(/step topology topology=ring workers=2 /);
  expectEveryStepOnce(appliedSteps(coordinator.stderr), EPOCHS, STEPS);
  expectSameHistory(await readHistory(runDir), reference);
  for (const w of workers.slice(0, 2)) expect(await w.exitedWithin(30_000)).toBe(0);
}, 200_000);
