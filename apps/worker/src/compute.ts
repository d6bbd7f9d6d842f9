/**
 * Turns a task into gradient sums with @kfkd/model, exactly as the
 * single-process trainer would for the same rows: each row's dropout seed
 * comes from its position in the global batch, its flip from the task.
 */
import { type GradientComputer, sampleDropoutSeed } from '@kfkd/model';
import type { PartName } from '@kfkd/proto';
import type { ShardStore } from './shard-store.ts';

export interface TaskInput {
  readonly part: PartName;
  readonly parameters: Float32Array;
  readonly rows: readonly number[];
  readonly positions: readonly number[];
  /** One byte per row; empty without flips. */
  readonly flipMask: Uint8Array;
  readonly dropoutSeed: number;
}

export interface TaskOutput {
  readonly lossSum: number;
  /** null for validation. */
  readonly gradSum: Float32Array | null;
  readonly count: number;
}

/** What computes a task; the benchmark plugs in one that does nothing. */
export type TaskCompute = (task: TaskInput, shard: ShardStore) => TaskOutput;

export function gradientCompute(computer: GradientComputer): TaskCompute {
  return (task, shard) => {
    if (task.positions.length !== task.rows.length) throw new RangeError(`${task.rows.length} rows but ${task.positions.length} positions`);
    if (task.flipMask.length !== 0 && task.flipMask.length !== task.rows.length) throw new RangeError(`${task.rows.length} rows but ${task.flipMask.length} flips`);
    computer.setParameters(task.parameters);
    const batch = shard.batch(task.part, task.rows);
    if (task.part === 'valid') return { lossSum: computer.evaluate(batch), gradSum: null, count: task.rows.length };
    const dropoutSeeds = Uint32Array.from(task.positions, (p) => sampleDropoutSeed(task.dropoutSeed, p));
    const { lossSum, gradSum } = computer.computeGradients({
      ...batch,
      flipMask: task.flipMask.length > 0 ? task.flipMask : undefined,
      dropoutSeeds,
    });
    return { lossSum, gradSum, count: task.rows.length };
  };
}
