/**
 * What each training step works on: which training rows, which of them are
 * mirrored, and the seed of their dropout masks.
 *
 * Everything is derived from (seed, epoch, step) alone, so a step can be
 * re-planned after a restart or on another machine without carrying any RNG
 * state around: the coordinator's checkpoints and the single-process trainer
 * plan exactly the same steps.
 */
import { Rng, chooseFlips } from '@kfkd/data';

export interface StepPlan {
  /** 1-based epoch. */
  readonly epoch: number;
  /** 0-based step within the epoch. */
  readonly step: number;
  /** Indices into the training rows, in batch order. */
  readonly rows: Uint32Array;
  /** 1 = mirror that sample; null when the net trains without flips. */
  readonly flipMask: Uint8Array | null;
  /** Seed of this step's per-sample dropout masks (see dropoutSeedsFor). */
  readonly dropoutSeed: number;
}

export interface StepPlannerOptions {
  readonly trainRows: number;
  readonly batchSize: number;
  readonly flip: boolean;
  readonly seed: number;
}

/** Batches of one epoch, in order (the tutorial never reshuffles); the last batch may be partial. */
export function stepsPerEpoch(trainRows: number, batchSize: number): number {
  return Math.ceil(trainRows / batchSize);
}

export function planStep(options: StepPlannerOptions, epoch: number, step: number): StepPlan {
  const { trainRows, batchSize, flip, seed } = options;
  const start = step * batchSize;
  if (!(step >= 0 && start < trainRows)) throw new RangeError(`step ${step} is outside the ${stepsPerEpoch(trainRows, batchSize)} steps of an epoch`);
  const end = Math.min(trainRows, start + batchSize);
  const rows = new Uint32Array(end - start);
  for (let i = 0; i < rows.length; i++) rows[i] = start + i;
  const rng = new Rng(mix(seed, epoch, step));
  const flipMask = flip ? chooseFlips(rows.length, rng) : null;
  return { epoch, step, rows, flipMask, dropoutSeed: rng.nextUint32() };
}

/** A well-spread 32-bit seed for (seed, epoch, step). */
function mix(seed: number, epoch: number, step: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ epoch ^ (h >>> 15), 0xc2b2ae35);
  h = Math.imul(h ^ step ^ (h >>> 13), 0x27d4eb2f);
  return (h ^ (h >>> 16)) >>> 0;
}
