import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EpochRecord, TrainerState } from '@kfkd/model';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { saveCheckpoint } from './checkpoint.ts';
import { completedRun } from './completed-run.ts';

const identity = { net: 'net1', seed: 42, epochs: 3 };
const record = (epoch: number): EpochRecord => ({ epoch, trainLoss: 0.2, validLoss: 0.3, trainValidRatio: 0.66, validRmsePx: 26, learningRate: 0.01, momentum: 0.9, seconds: 1 });
/** The state after `epochs` epochs, with early stopping's best epoch as given. */
const after = (epochs: number, bestEpoch: number, patience = 1): TrainerState => ({
  epoch: epochs + 1,
  step: 0,
  epochLossSum: 0,
  epochSeconds: 0,
  parameters: Float32Array.of(1, 2),
  velocity: Float32Array.of(0, 0),
  history: Array.from({ length: epochs }, (_, i) => record(i + 1)),
  earlyStopping: { patience, bestValidLoss: 0.3, bestEpoch },
  bestWeights: Float32Array.of(1, 2),
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kfkd-completed-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('a run directory without a checkpoint, or whose run goes on, is not complete', async () => {
  expect(await completedRun(dir, identity, 3)).toBeNull();
  await saveCheckpoint(dir, identity, after(2, 2));
  expect(await completedRun(dir, identity, 3)).toBeNull();
});

it('a run after its last epoch is complete, unless more epochs are asked for; it says whether the model was saved', async () => {
  await saveCheckpoint(dir, identity, after(3, 3));
  expect(await completedRun(dir, identity, 3)).toMatchObject({ reason: 'completed', modelDir: join(dir, 'model'), modelSaved: false });
  await mkdir(join(dir, 'model'));
  await writeFile(join(dir, 'model', 'model.json'), '{}');
  expect(await completedRun(dir, identity, 3)).toMatchObject({ reason: 'completed', modelSaved: true });
  expect(await completedRun(dir, { ...identity, epochs: 5 }, 5)).toBeNull();
});

it('a run that early stopping ended is complete whatever the epochs', async () => {
  // Epoch 2 was the best; epoch 4 did not improve and 2 + 1 < 4: stopped.
  await saveCheckpoint(dir, identity, after(4, 2));
  expect(await completedRun(dir, identity, 10)).toMatchObject({ reason: 'early-stopping' });
  expect(await completedRun(dir, { ...identity, epochs: 50 }, 50)).toMatchObject({ reason: 'early-stopping' });
});
