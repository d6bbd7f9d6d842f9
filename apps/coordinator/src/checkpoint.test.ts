import { mkdir, readFile, readdir, rm, stat, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TrainerState } from '@kfkd/model';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkpointPath, loadCheckpoint, promotePreviousCheckpoint, readCheckpointIdentity, saveCheckpoint } from './checkpoint.ts';
import { CheckpointCorruptError, CheckpointMismatchError, CheckpointShrinkError } from './errors.ts';

const identity = { net: 'net1', seed: 42 };
const state = (epoch: number): TrainerState => ({
  epoch,
  step: 3,
  epochLossSum: 0.25,
  epochSeconds: 1.5,
  parameters: Float32Array.from([1, 2, 3, epoch]),
  velocity: Float32Array.from([0.1, 0.2, 0.3, 0.4]),
  history: [{ epoch: 1, trainLoss: 0.2, validLoss: 0.3, trainValidRatio: 0.66, validRmsePx: 26, learningRate: 0.01, momentum: 0.9, seconds: 1 }],
  earlyStopping: { patience: 5, bestValidLoss: 0.3, bestEpoch: 1 },
  bestWeights: Float32Array.from([4, 3, 2, 1]),
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kfkd-ckpt-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('checkpoints', () => {
  it('round-trip the trainer state exactly', async () => {
    await saveCheckpoint(dir, identity, state(2));
    expect(await loadCheckpoint(dir, identity)).toEqual(state(2));
  });

  it('are absent before the first save', async () => {
    expect(await loadCheckpoint(dir, identity)).toBeNull();
    expect(await readCheckpointIdentity(dir)).toBeNull();
  });

  it("tell their run's identity from the header alone", async () => {
    await saveCheckpoint(dir, { ...identity, epochs: 7 }, state(2));
    expect(await readCheckpointIdentity(dir)).toEqual({ ...identity, epochs: 7 });
    await writeFile(checkpointPath(dir), 'not a checkpoint');
    expect(await readCheckpointIdentity(dir)).toBeNull();
  });

  it('leave the current one intact and no temporary file behind when a save fails', async () => {
    await saveCheckpoint(dir, identity, state(2));
    // A directory where .prev goes makes the save fail after the new checkpoint was written, before it replaces the old one.
    await mkdir(`${checkpointPath(dir)}.prev`);
    await writeFile(join(`${checkpointPath(dir)}.prev`, 'x'), 'x');
    await expect(saveCheckpoint(dir, identity, state(3))).rejects.toThrow(`cannot write ${checkpointPath(dir)}: `);
    expect(await loadCheckpoint(dir, identity)).toEqual(state(2));
    expect((await readdir(dir)).sort()).toEqual(['checkpoint.kfkd', 'checkpoint.kfkd.prev']);
  });

  it('keep the previous one, and refuse a corrupt one clearly without touching it', async () => {
    await saveCheckpoint(dir, identity, state(2));
    await saveCheckpoint(dir, identity, state(3));
    const file = checkpointPath(dir);
    await stat(`${file}.prev`);
    const bytes = await readFile(file);
    bytes[bytes.length - 40] ^= 0xff;
    await writeFile(file, bytes);
    const error = await loadCheckpoint(dir, identity).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointCorruptError);
    expect((error as Error).message).toMatch(/checksum mismatch.*previous checkpoint is kept at .*checkpoint\.kfkd\.prev/);
    expect(await readFile(file)).toEqual(bytes);
    await writeFile(file, await readFile(`${file}.prev`));
    expect((await loadCheckpoint(dir, identity))!.epoch).toBe(2);
  });

  it("refuse another run's checkpoint", async () => {
    await saveCheckpoint(dir, identity, state(2));
    await expect(loadCheckpoint(dir, { ...identity, seed: 7 })).rejects.toBeInstanceOf(CheckpointMismatchError);
  });

  it('may be resumed with more epochs, not fewer', async () => {
    await saveCheckpoint(dir, { ...identity, epochs: 5 }, state(2));
    expect((await loadCheckpoint(dir, { ...identity, epochs: 8 }))!.epoch).toBe(2);
    await expect(loadCheckpoint(dir, { ...identity, epochs: 4 })).rejects.toBeInstanceOf(CheckpointShrinkError);
  });

  it('resume the previous one on request, setting the current one aside', async () => {
    await saveCheckpoint(dir, identity, state(2));
    await saveCheckpoint(dir, identity, state(3));
    const file = checkpointPath(dir);
    const current = await readFile(file);
    expect((await loadCheckpoint(dir, identity, 'previous'))!.epoch).toBe(2);
    await promotePreviousCheckpoint(dir);
    expect(await readFile(`${file}.set-aside`)).toEqual(current);
    expect((await loadCheckpoint(dir, identity))!.epoch).toBe(2);
  });
});
