/**
 * A step's job: the rows of one part (a training batch or the validation
 * rows) to compute under one parameter version, and the loop that gets
 * every row computed exactly once. A round hands each worker the pending
 * rows of the slots it owns; the rows of a worker lost in a round are
 * computed again in the next round by the remaining workers (after the
 * rows' data was shipped to them), until none is left. A round, of training
 * or validation, may be a ring round (the runner's choice): one sum for all
 * its rows, so a ring round that fails is computed again whole, and on the
 * star.
 */
import type { GradientBuffers } from '@kfkd/model';
import type { Command, PartName } from '@kfkd/proto';
import { tensorChunks } from '@kfkd/proto';
import type { Logger } from '@kfkd/runtime';
import { splitByOwner } from './sharding.ts';

/** One unit of a job: a row of the part and its position in the global batch. */
export interface WorkItem {
  readonly row: number;
  readonly position: number;
}

export interface Job {
  readonly part: PartName;
  readonly epoch: number;
  readonly step: number;
  readonly parameters: Float32Array;
  readonly items: readonly WorkItem[];
  /** By position in the batch; null without flips. */
  readonly flipMask: Uint8Array | null;
  readonly dropoutSeed: number;
  /** Where training gradients are received (a fresh array per part without). */
  readonly gradients?: GradientBuffers;
}

export interface PartResult {
  /** Smallest batch position of the part: the fixed order in which parts are summed. */
  readonly firstPosition: number;
  readonly count: number;
  readonly lossSum: number;
  readonly gradSum: Float32Array | null;
}

/** Time a job spent in each phase, seconds (summed over rounds when workers were lost). */
export interface JobPhases {
  readonly wait: number;
  readonly shard: number;
  readonly compute: number;
}

/** One parameter vector as the chunk commands that carry it. */
export interface ParameterMessages {
  readonly version: number;
  readonly commands: readonly Command[];
  readonly bytes: number;
}

/**
 * The chunk commands of `parameters`. Views, not copies: the parameters do
 * not change until every part of the job is back. Each worker's stream
 * serialises them as it sends them (parameter-encoding.ts). Serialising them
 * once for all workers kept 32 MB of buffers per step alive long enough to
 * reach V8's old generation, which then took a full collection every step or
 * two to free: in bench sync with 1 worker, 129-149 ms per step with it
 * against about 104 without.
 */
export function parameterMessages(version: number, parameters: Float32Array): ParameterMessages {
  return {
    version,
    commands: tensorChunks(parameters).map((c) => ({ parameters: { version, offset: c.offset, values: c.values } })),
    bytes: parameters.byteLength,
  };
}

/** What a job's rounds need from the pool. */
export interface RoundRunner {
  /** Waits until enough workers are there (at the start of a job, admitting the pending ones). @throws CoordinatorStoppedError */
  ready(startOfJob: boolean): Promise<void>;
  /** Rebalances the slots over the active workers, ships the rows that moved, and returns who owns which slot. */
  reshard(): Promise<ReadonlyMap<number, string>>;
  /** Sends a task of these items to `worker`; rejects when the worker is lost before its result is in. */
  dispatch(worker: string, items: readonly WorkItem[]): Promise<PartResult>;
  /**
   * A round of these workers' rows summed through a ring of them
   * (ring-plan.ts): the ring's sum, or a rejection when the round failed.
   * null: this round goes the star way (the reason is logged by the runner).
   */
  ring?(owners: ReadonlyMap<string, readonly WorkItem[]>): Promise<PartResult> | null;
}

/**
 * Computes every item of the job once, across the workers, and returns the
 * parts in their fixed summation order, with the time spent in each phase.
 * @throws CoordinatorStoppedError
 */
export async function runJob(job: Job, runner: RoundRunner, log: Logger): Promise<{ parts: PartResult[]; phases: JobPhases }> {
  let pending: readonly WorkItem[] = job.items;
  const done: PartResult[] = [];
  let startOfJob = true;
  let ringFailed = false;
  const phases = { wait: 0, shard: 0, compute: 0 };
  let mark = performance.now();
  const lap = (phase: keyof typeof phases): void => {
    const now = performance.now();
    phases[phase] += (now - mark) / 1000;
    mark = now;
  };
  while (pending.length > 0) {
    await runner.ready(startOfJob);
    startOfJob = false;
    lap('wait');
    const assignment = await runner.reshard();
    lap('shard');
    const owners = splitByOwner(pending, assignment);
    // After a failed ring round the step is finished on the star: its per-task deadlines find a worker at fault.
    const ring = !ringFailed ? (runner.ring?.(owners) ?? null) : null;
    const round = pending;
    const attempts = ring
      ? [
          ring.then(
            (result) => ({ result, items: null }),
            () => {
              ringFailed = true;
              return { result: null, items: round };
            },
          ),
        ]
      : [...owners].map(([worker, items]) =>
          runner.dispatch(worker, items).then(
            (result) => ({ result, items: null }),
            () => ({ result: null, items }),
          ),
        );
    const again: WorkItem[] = [];
    for (const attempt of await Promise.all(attempts)) {
      if (attempt.result) done.push(attempt.result);
      else again.push(...attempt.items);
    }
    if (again.length > 0) log.warn('recomputing rows of lost workers', { part: job.part, epoch: job.epoch, step: job.step, rows: again.length });
    pending = again;
    lap('compute');
  }
  return { parts: done.sort((a, b) => a.firstPosition - b.firstPosition), phases };
}
