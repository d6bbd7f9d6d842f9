/**
 * Distributed training survives worker loss, late joiners and a coordinator
 * restart: every step is applied exactly once (the coordinator's debug
 * 'step applied' record), and the history equals `kfkd train`'s. Real
 * processes on loopback; net1 on the cpu backend.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  DEBUG_LOG,
  type HistoryLine,
  appliedSteps,
  expectEveryStepOnce,
  expectSameHistory,
  readHistory,
  startCoordinator,
  startKfkd,
  startWorker,
} from '../testing/cluster.ts';
import { EXIT_SIGTERM } from '../failure.ts';
import { kfkd } from '../testing/kfkd-process.ts';

const EPOCHS = 5;
// 150 complete rows: 30 validation, 120 training, so 4 steps of batch 32 (the last one 24 rows).
const STEPS = 4;
let dir: string;
let data: string;
let reference: HistoryLine[];
const training = (runDir: string): string[] => ['--net', 'net1', '--data', data, '--epochs', String(EPOCHS), '--batch', '32', '--run-dir', runDir];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kfkd-faults-'));
  data = join(dir, 'train.csv');
  expect((await kfkd('synth', '--rows', '150', '--label-all', '1', '--out', data)).code).toBe(0);
  const runDir = join(dir, 'reference');
  const result = await kfkd('train', ...training(runDir), '--backend', 'cpu');
  expect(result.code, result.stderr).toBe(0);
  reference = await readHistory(runDir);
  expect(reference).toHaveLength(EPOCHS);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('a worker killed with SIGKILL while it holds a task of the step in flight is removed, its share recomputed, and every step applied once', async () => {
  const runDir = join(dir, 'sigkill');
  const { coordinator, port } = await startCoordinator(training(runDir), DEBUG_LOG);
  const victim = startWorker(port, 'victim', 'cpu');
  const survivor = startWorker(port, 'survivor', 'cpu');
  await coordinator.waitFor(/^\s+1 \|/);
  // Frozen, the victim cannot answer the task it holds; the coordinator hands it its part of the next step at once.
  victim.kill('SIGSTOP');
  const sent = await coordinator.waitForNext(/task sent worker=victim session=\d+ task=\d+ part=(\w+) epoch=(\d+) step=(\d+)/);
  victim.kill('SIGKILL');
  expect(await coordinator.exited).toBe(0);
  expect(await survivor.exited).toBe(0);
  const log = coordinator.stderr.join('\n');
  // The victim died holding a task: that part (and no other) was computed again by the survivor.
  expect(log).toMatch(/worker removed worker=victim session=\d+ reason=stream-closed .*tasksLost=1\b/);
  expect(log).toMatch(new RegExp(`recomputing rows of lost workers part=${sent[1]} epoch=${sent[2]} step=${sent[3]} `));
  expectEveryStepOnce(appliedSteps(coordinator.stderr), EPOCHS, STEPS);
  expectSameHistory(await readHistory(runDir), reference);
});

it('a worker that joins late computes tasks from the next step on', async () => {
  const runDir = join(dir, 'late');
  const { coordinator, port } = await startCoordinator(training(runDir), DEBUG_LOG);
  const early = startWorker(port, 'early', 'cpu');
  await coordinator.waitFor(/^\s+1 \|/);
  const late = startWorker(port, 'late', 'cpu');
  expect(await coordinator.exited).toBe(0);
  expect(await early.exited).toBe(0);
  expect(await late.exited).toBe(0);
  expect(coordinator.stderr.join('\n')).toMatch(/worker active worker=late/);
  expect(coordinator.stderr.join('\n')).toMatch(/task sent worker=late /);
  const accepted = /done: training is over tasksAccepted=(\d+)/.exec(late.stderr.join('\n'));
  expect(Number(accepted?.[1])).toBeGreaterThan(0);
  expectEveryStepOnce(appliedSteps(coordinator.stderr), EPOCHS, STEPS);
  expectSameHistory(await readHistory(runDir), reference);
});

it('a coordinator killed with SIGKILL and restarted on the same run directory resumes from its last checkpoint; the history equals an uninterrupted run', async () => {
  const runDir = join(dir, 'restart');
  const first = await startCoordinator(training(runDir), DEBUG_LOG);
  const workers = [startWorker(first.port, 'a', 'cpu'), startWorker(first.port, 'b', 'cpu')];
  await first.coordinator.waitFor(/^\s+2 \|/);
  first.coordinator.kill('SIGKILL');
  await first.coordinator.exited;
  const second = startKfkd(['coordinator', '--listen', `127.0.0.1:${first.port}`, ...training(runDir)], DEBUG_LOG);
  const resumed = await second.waitFor(/resuming from the checkpoint .*: epoch (\d+), step (\d+)/);
  const from = { epoch: Number(resumed[1]), step: Number(resumed[2]) };
  // Checkpoints are written per epoch: the restart resumes at the start of an epoch, after epoch 2 at the earliest.
  expect(from.step).toBe(0);
  expect(from.epoch).toBeGreaterThanOrEqual(3);
  expect(await second.exited).toBe(0);
  for (const w of workers) {
    expect(await w.exited).toBe(0);
    expect(w.stderr.join('\n')).toMatch(/session ended; reconnecting/);
  }
  // The first coordinator applied every step up to the checkpoint once (and maybe some of the next epoch, lost with it).
  expectEveryStepOnce(appliedSteps(first.coordinator.stderr).slice(0, (from.epoch - 1) * STEPS), from.epoch - 1, STEPS);
  expectEveryStepOnce(appliedSteps(second.stderr), EPOCHS, STEPS, from);
  expectSameHistory(await readHistory(runDir), reference);
});

it('SIGTERM checkpoints mid-epoch after the step in flight and exits 143; the restart applies the remaining steps once', async () => {
  const runDir = join(dir, 'sigterm');
  const first = await startCoordinator(training(runDir), DEBUG_LOG);
  const worker = startWorker(first.port, 'w', 'cpu');
  await first.coordinator.waitFor(/step applied epoch=2 step=1 /);
  first.coordinator.kill('SIGTERM');
  expect(await first.coordinator.exited).toBe(EXIT_SIGTERM);
  const saved = await first.coordinator.waitFor(/checkpoint saved epoch=(\d+) step=(\d+)/);
  const from = { epoch: Number(saved[1]), step: Number(saved[2]) };
  const second = startKfkd(['coordinator', '--listen', `127.0.0.1:${first.port}`, ...training(runDir)], DEBUG_LOG);
  await second.waitFor(new RegExp(`resuming from the checkpoint .*: epoch ${from.epoch}, step ${from.step}`));
  expect(await second.exited).toBe(0);
  expect(await worker.exited).toBe(0);
  // Together, the two coordinators applied every step exactly once.
  const before = appliedSteps(first.coordinator.stderr);
  expect(before.at(-1)).toEqual(from.step > 0 ? { epoch: from.epoch, step: from.step - 1 } : { epoch: from.epoch - 1, step: STEPS - 1 });
  expectEveryStepOnce([...before, ...appliedSteps(second.stderr)], EPOCHS, STEPS);
  expectSameHistory(await readHistory(runDir), reference);
});

it('a worker that hangs (SIGSTOP) misses its deadline or heartbeat, is removed, and every step is applied once', async () => {
  const runDir = join(dir, 'hang');
  const { coordinator, port } = await startCoordinator([...training(runDir), '--step-timeout', '3', '--heartbeat-timeout', '2'], DEBUG_LOG);
  const hung = startWorker(port, 'hung', 'cpu');
  const healthy = startWorker(port, 'healthy', 'cpu');
  await coordinator.waitFor(/^\s+1 \|/);
  hung.kill('SIGSTOP');
  try {
    expect(await coordinator.exited).toBe(0);
  } finally {
    hung.kill('SIGKILL');
  }
  expect(await healthy.exited).toBe(0);
  expect(coordinator.stderr.join('\n')).toMatch(/worker removed worker=hung session=\d+ reason=(deadline|heartbeat)/);
  expectEveryStepOnce(appliedSteps(coordinator.stderr), EPOCHS, STEPS);
  expectSameHistory(await readHistory(runDir), reference);
});
