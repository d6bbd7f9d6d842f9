/** Test helpers of the coordinator (not exported from the package). */
import { type Command, type RingHop__Output, type TaskResult__Output, type TensorChunk, partToWire, tensorChunks } from '@kfkd/proto';
import { memoryLogger } from '@kfkd/runtime';
import type { Clock, Timer } from './clock.ts';
import { type PoolOptions, type ReportOutcome, WorkerPool } from './pool.ts';
import { SLOT_COUNT } from './sharding.ts';

/**
 * What a Report stream does to the pool: the result's header, then its
 * gradient's chunks in the order given (`tensorChunks(gradient)` for an
 * honest worker), then the end, over the connection `peer` (unchecked when
 * not given). The first refusal ends it.
 */
export function deliverReport(pool: WorkerPool, header: TaskResult__Output, chunks: readonly TensorChunk[], peer?: string, ringHops?: readonly RingHop__Output[]): ReportOutcome {
  const opened = pool.openReport(header, peer);
  if (!opened.ok) return opened;
  for (const chunk of chunks) {
    const refusal = opened.receiver.chunk(chunk.offset, chunk.values);
    if (refusal) return refusal;
  }
  if (ringHops) {
    const refusal = opened.receiver.hops(ringHops);
    if (refusal) return refusal;
  }
  return opened.receiver.finish();
}

/** An honest worker's chunks of `gradient` (none for a validation result). */
export const chunksOf = (gradient: Float32Array | null): TensorChunk[] => (gradient ? tensorChunks(gradient) : []);

/** A clock that moves only when told to: timers run inside advance(), at their time, in order. */
export class FakeClock implements Clock {
  private time: number;
  private sequence = 0;
  private timers: { at: number; sequence: number; callback: () => void }[] = [];

  constructor(start = 1_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  schedule(delayMs: number, callback: () => void): Timer {
    const timer = { at: this.time + delayMs, sequence: this.sequence++, callback };
    this.timers.push(timer);
    return { cancel: () => void (this.timers = this.timers.filter((t) => t !== timer)) };
  }

  /** Timers not run or cancelled yet. */
  get pending(): number {
    return this.timers.length;
  }

  /** Moves time `ms` forward, running every timer that falls due (timers they schedule included). */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.sequence - b.sequence)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = Math.max(this.time, due.at);
      due.callback();
    }
    this.time = end;
  }
}

/** Lets pending promise callbacks and setImmediate callbacks run (fake streams answer on setImmediate). */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** A fake worker as a cluster test sees it: what it was sent, its session, how its stream ended. */
export interface FakeWorker {
  readonly id: string;
  readonly sent: Command[];
  session: number;
  /** Answers its tasks by itself (with a gradient of ones and a loss of 1 per row). */
  answering: boolean;
  closed: { readonly reason: string; readonly detail: string } | null;
  /** The tasks it was sent. */
  readonly tasks: NonNullable<Command['task']>[];
}

export type Task = NonNullable<Command['task']>;

/** The rows of a cluster's data: two per slot for training, so every worker holds some. */
export const CLUSTER_TRAIN_ROWS = 2 * SLOT_COUNT;

/**
 * A WorkerPool on a FakeClock with fake workers joined over fake streams.
 * Workers that are `answering` answer each task on the next turn of the
 * event loop; `answer()` answers the others on demand.
 */
export function fakeCluster(options: Partial<Pick<PoolOptions, 'minWorkers' | 'stepTimeoutMs' | 'heartbeatTimeoutMs' | 'observers'>> & { readonly parameterCount?: number } = {}) {
  const clock = new FakeClock();
  const log = memoryLogger();
  const rows = (count: number) => ({ rows: count, pixels: new Uint8Array(count * 9216), targets: new Float32Array(count * 2) });
  const parameterCount = options.parameterCount ?? 8;
  const pool = new WorkerPool({
    data: { columns: ['x', 'y'], train: rows(CLUSTER_TRAIN_ROWS), valid: rows(4), sourceRows: CLUSTER_TRAIN_ROWS + 4 },
    specJson: '{}',
    parameterCount,
    minWorkers: options.minWorkers ?? 1,
    stepTimeoutMs: options.stepTimeoutMs ?? 5_000,
    heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? 2_000,
    log,
    clock,
    observers: options.observers,
  });
  const workers = new Map<string, FakeWorker>();
  const answer = (worker: FakeWorker, task: Task): ReportOutcome =>
    deliverReport(
      pool,
      { workerId: worker.id, session: worker.session, generation: task.generation!, taskId: task.taskId!, epoch: task.epoch!, step: task.step!, lossSum: task.rows!.length, count: task.rows!.length },
      chunksOf(task.part === partToWire('train') ? new Float32Array(parameterCount).fill(1) : null),
    );
  /** `session`: the number a pool of several jobs would give the join (default: the pool's next). */
  const join = (id: string, answering = true, session?: number): FakeWorker => {
    const worker: FakeWorker = { id, sent: [], session: 0, answering, closed: null, tasks: [] };
    workers.set(id, worker);
    pool.join(
      { id, backend: 'wasm', device: 'cpu' },
      {
        send: async (command) => {
          worker.sent.push(command);
          if (command.welcome) worker.session = command.welcome.session!;
          const task = command.task;
          if (!task) return;
          worker.tasks.push(task);
          if (worker.answering) setImmediate(() => answer(worker, task));
        },
        close: (reason, detail) => void (worker.closed = { reason, detail }),
      },
      session,
    );
    return worker;
  };
  /** The rows of the tasks `worker` was sent, sorted. */
  const rowsOf = (worker: FakeWorker, tasks: readonly Task[] = worker.tasks): number[] => tasks.flatMap((t) => t.rows!).sort((a, b) => a - b);
  return { pool, clock, log, workers, join, answer, rowsOf };
}

/** A training job over every row of a fakeCluster. */
export function clusterJob(step = 0) {
  return {
    part: 'train' as const,
    epoch: 1,
    step,
    parameters: new Float32Array(8),
    items: Array.from({ length: CLUSTER_TRAIN_ROWS }, (_, i) => ({ row: i, position: i })),
    flipMask: null,
    dropoutSeed: 1,
  };
}
