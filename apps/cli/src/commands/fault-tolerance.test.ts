/**
 * Distributed training survives worker loss, late joiners and a coordinator
 * restart, and still gives `kfkd train`'s loss history (so no step was
 * applied twice or lost a part). Real processes on loopback; net1 on the cpu
 * backend, whose steps are slow enough to be interrupted mid-epoch.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type HistoryLine, expectSameHistory, readHistory, startCoordinator, startKfkd, startWorker } from '../testing/cluster.ts';
import { kfkd } from '../testing/kfkd-process.ts';

const EPOCHS = '5';
let dir: string;
let data: string;
let reference: HistoryLine[];
const training = (runDir: string): string[] => ['--net', 'net1', '--data', data, '--epochs', EPOCHS, '--batch', '32', '--run-dir', runDir];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kfkd-faults-'));
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

it('a worker killed with SIGKILL mid-epoch is removed, its share recomputed, and training finishes with the same history', async () => {
  const runDir = join(dir, 'sigkill');
  const { coordinator, port } = await startCoordinator(training(runDir));
  const victim = startWorker(port, 'victim', 'cpu');
  const survivor = startWorker(port, 'survivor', 'cpu');
  // Mid-epoch 2: the victim is computing a task of that epoch.
  await victim.waitFor(/first task/);
  await coordinator.waitFor(/^\s+1 \|/);
  await new Promise((r) => setTimeout(r, 300));
  victim.kill('SIGKILL');
  expect(await coordinator.exited).toBe(0);
  expect(await survivor.exited).toBe(0);
  expect(coordinator.stderr.join('\n')).toMatch(/worker removed worker=victim session=\d+ reason=stream-closed/);
  expectSameHistory(await readHistory(runDir), reference);
});

it('a worker that joins late takes part from the next step on', async () => {
  const runDir = join(dir, 'late');
  const { coordinator, port } = await startCoordinator(training(runDir));
  const early = startWorker(port, 'early', 'cpu');
  await coordinator.waitFor(/^\s+1 \|/);
  const late = startWorker(port, 'late', 'cpu');
  await late.waitFor(/first task of the session/);
  expect(await coordinator.exited).toBe(0);
  expect(await early.exited).toBe(0);
  expect(await late.exited).toBe(0);
  expect(coordinator.stderr.join('\n')).toMatch(/worker active worker=late/);
  expectSameHistory(await readHistory(runDir), reference);
});

it('a coordinator killed and restarted on the same run directory resumes; its workers reconnect; the history equals an uninterrupted run', async () => {
  const runDir = join(dir, 'restart');
  const first = await startCoordinator(training(runDir));
  const workers = [startWorker(first.port, 'a', 'cpu'), startWorker(first.port, 'b', 'cpu')];
  await first.coordinator.waitFor(/^\s+2 \|/);
  first.coordinator.kill('SIGKILL');
  await first.coordinator.exited;
  const second = startKfkd(['coordinator', '--listen', `127.0.0.1:${first.port}`, ...training(runDir)]);
  await second.waitFor(/resuming from the checkpoint .*: epoch 3, step 0/);
  expect(await second.exited).toBe(0);
  for (const w of workers) {
    expect(await w.exited).toBe(0);
    expect(w.stderr.join('\n')).toMatch(/session ended; reconnecting/);
  }
  const history = await readHistory(runDir);
  expectSameHistory(history, reference);
});

it('SIGTERM checkpoints mid-epoch; the restart resumes from that step', async () => {
  const runDir = join(dir, 'sigterm');
  const first = await startCoordinator(training(runDir));
  const worker = startWorker(first.port, 'w', 'cpu');
  await first.coordinator.waitFor(/^\s+1 \|/);
  await new Promise((r) => setTimeout(r, 300));
  first.coordinator.kill('SIGTERM');
  expect(await first.coordinator.exited).toBe(0);
  await first.coordinator.waitFor(/checkpoint saved epoch=\d+ step=\d+/);
  const second = startKfkd(['coordinator', '--listen', `127.0.0.1:${first.port}`, ...training(runDir)]);
  await second.waitFor(/resuming from the checkpoint/);
  expect(await second.exited).toBe(0);
  expect(await worker.exited).toBe(0);
  expectSameHistory(await readHistory(runDir), reference);
});

it('a worker that hangs (SIGSTOP) misses its deadline or heartbeat, is removed, and training finishes with the same history', async () => {
  const runDir = join(dir, 'hang');
  const { coordinator, port } = await startCoordinator([...training(runDir), '--step-timeout', '3', '--heartbeat-timeout', '2']);
  const hung = startWorker(port, 'hung', 'cpu');
  const healthy = startWorker(port, 'healthy', 'cpu');
  await hung.waitFor(/first task/);
  await coordinator.waitFor(/^\s+1 \|/);
  hung.kill('SIGSTOP');
  try {
    expect(await coordinator.exited).toBe(0);
  } finally {
    hung.kill('SIGKILL');
  }
  expect(await healthy.exited).toBe(0);
  expect(coordinator.stderr.join('\n')).toMatch(/worker removed worker=hung session=\d+ reason=(deadline|heartbeat)/);
  expectSameHistory(await readHistory(runDir), reference);
});
