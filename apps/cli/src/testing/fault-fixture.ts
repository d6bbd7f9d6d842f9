/**
 * What the fault tests (fault-tolerance.test.ts, ring-faults.test.ts) share:
 * synthetic training data, the history of an uninterrupted `kfkd train` on it
 * (what every run with faults must end with), the training flags of both,
 * and cpu workers for star or ring steps.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { DEBUG_LOG, type HistoryLine, type KfkdProcess, readHistory, startKfkd, startWorker } from './cluster.ts';
import { kfkd } from './kfkd-process.ts';

export const EPOCHS = 5;
// 150 complete rows: 30 validation, 120 training, so 4 steps of batch 32 (the last one 24 rows).
export const STEPS = 4;

export interface FaultFixture {
  /** A temporary folder for the tests' run directories. */
  readonly dir: string;
  /** The history of `kfkd train` with training(). */
  readonly reference: readonly HistoryLine[];
  /** The flags of a run of EPOCHS epochs of STEPS steps on the fixture's data, into `runDir`. */
  training(runDir: string): string[];
  remove(): Promise<void>;
}

/** Makes the data and trains the reference in a new temporary folder named from `prefix` (for beforeAll). */
export async function faultFixture(prefix: string): Promise<FaultFixture> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const data = join(dir, 'train.csv');
  const training = (runDir: string): string[] => ['--net', 'net1', '--data', data, '--epochs', String(EPOCHS), '--batch', '32', '--run-dir', runDir];
  expect((await kfkd('synth', '--rows', '150', '--label-all', '1', '--out', data)).code).toBe(0);
  const referenceDir = join(dir, 'reference');
  const result = await kfkd('train', ...training(referenceDir), '--backend', 'cpu');
  expect(result.code, result.stderr).toBe(0);
  const reference = await readHistory(referenceDir);
  expect(reference).toHaveLength(EPOCHS);
  return { dir, reference, training, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** How the workers sum a step's gradients (the coordinator's --topology). */
export type StepTopology = 'star' | 'ring';
export const STEP_TOPOLOGIES: readonly StepTopology[] = ['star', 'ring'];

/** A cpu worker that serves ring peers on a loopback port of its own. */
export function startRingWorker(port: number, id: string, ...extra: string[]): KfkdProcess {
  return startKfkd(['worker', '--coordinator', `127.0.0.1:${port}`, '--id', id, '--backend', 'cpu', '--peer-listen', '127.0.0.1:0', ...extra], DEBUG_LOG);
}

/** A cpu worker for steps on `topology`. */
export function startTopologyWorker(topology: StepTopology, port: number, id: string): KfkdProcess {
  return topology === 'ring' ? startRingWorker(port, id) : startWorker(port, id, 'cpu');
}
