/**
 * The executor of membership decisions and of the work of each step: it
 * keeps one stream per worker, ships shards when the slot assignment
 * changes, hands out tasks, and gathers results under a deadline. When a
 * worker is lost mid-step, its rows are handed to the others (after they
 * received those rows' data) until every row of the step has been computed
 * exactly once.
 */
import type { Command, TaskResult__Output } from '@kfkd/proto';
import { TensorAssembly, float32Bytes, tensorChunks } from '@kfkd/proto';
import { type GradientBuffers, type TrainingData, firstNonFinite } from '@kfkd/model';
import { CoordinatorStoppedError, WorkerLostError } from './errors.ts';
import type { Logger } from '@kfkd/runtime';
import type { CoordinatorMetrics } from './metrics.ts';
import * as membership from './membership.ts';
import { type Member, type LeaveReason, type Membership, activeMembers } from './membership.ts';
import { SLOT_COUNT, rebalance, rowsOfSlots, splitByOwner } from './sharding.ts';
import { type IssuedTask, checkResult } from './validation.ts';

/** What the pool needs from a worker's Join stream (service.ts adapts the gRPC call). */
export interface WorkerStream {
  /** Resolves once the message is handed to the transport; rejects when the stream is gone. */
  send(command: Command): Promise<void>;
  /** Ends the stream: 'finished' tells the worker training is over; any other reason is an error status. */
  close(reason: LeaveReason | 'finished', detail: string): void;
}

export interface PoolOptions {
  readonly data: TrainingData;
  readonly specJson: string;
  readonly parameterCount: number;
  readonly minWorkers: number;
  /** A task not answered within this time drops its worker. */
  readonly taskTimeoutMs: number;
  /** An idle worker not heard from within this time is dropped. */
  readonly heartbeatTimeoutMs: number;
  readonly log: Logger;
  readonly now?: () => number;
  /** Told of membership changes and finished tasks (the Watch journal). */
  readonly observer?: PoolObserver;
  readonly metrics?: CoordinatorMetrics;
}

export interface PoolObserver {
  /** A worker joined, became active or was heard from. */
  workerChanged?(member: Member): void;
  workerLeft?(record: FailureRecord): void;
  /** A task's result was accepted: `rows` computed in `seconds` (send to result). */
  taskDone?(member: Member, rows: number, seconds: number): void;
}

/** One unit of a job: a row of the part and its position in the global batch. */
export interface WorkItem {
  readonly row: number;
  readonly position: number;
}

export interface Job {
  readonly part: 'train' | 'valid';
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

export type ReportOutcome = { readonly ok: true } | ReportRefusal;
export type ReportRefusal = { readonly ok: false; readonly problem: 'unknown-worker' | 'stale' | 'invalid'; readonly detail: string };

/** Receives the gradient chunks of one result whose header was accepted (see WorkerPool.openReport). */
export interface ReportReceiver {
  /** One chunk, copied into place: null, or the refusal (the worker is dropped then). */
  chunk(offset: number, values: Uint8Array): ReportRefusal | null;
  /** The stream ended: the result is complete and accepted, or refused. */
  finish(): ReportOutcome;
  /** Refuses the result for a problem of the stream itself (a second TaskResult): the worker is dropped, as for a bad chunk. */
  reject(detail: string): ReportRefusal;
}

/** A worker failure, kept as data: who, when, why. */
export interface FailureRecord {
  readonly worker: string;
  readonly session: number;
  readonly at: number;
  readonly reason: LeaveReason;
  readonly detail: string;
}

interface Outstanding extends IssuedTask {
  readonly firstPosition: number;
  readonly resolve: (result: PartResult) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
  /** performance.now() when the task was handed to its stream. */
  readonly sentAt: number;
  readonly takeGradient: () => Float32Array;
  /** A Report stream for the task is open (a second one is refused). */
  receiving: boolean;
}

/** Rows per shard message: 512 x 9216 bytes = 4.5 MiB, far below the message size limit. */
const SHARD_CHUNK_ROWS = 512;

export class WorkerPool {
  private members: Membership = membership.emptyMembership();
  /** Each worker's stream and the parameter version it was sent last. */
  private readonly streams = new Map<string, { session: number; stream: WorkerStream; parametersVersion: number }>();
  private parametersVersion = 0;
  private assignment = new Map<number, string>();
  /** Slots whose rows each worker has been sent. */
  private readonly holdings = new Map<string, Set<number>>();
  private readonly tasks = new Map<number, Outstanding>();
  private nextTaskId = 1;
  private waiters: (() => void)[] = [];
  private stopped = false;
  private lastWaitLog = '';
  readonly failures: FailureRecord[] = [];
  private readonly now: () => number;

  constructor(private readonly options: PoolOptions) {
    this.now = options.now ?? Date.now;
  }

  get generation(): number {
    return this.members.generation;
  }

  /** Workers taking part in steps (joined workers become active at the next step). */
  get activeCount(): number {
    return activeMembers(this.members).length;
  }

  get memberCount(): number {
    return this.members.members.size;
  }

  /** The current members, pending and active. */
  currentMembers(): Member[] {
    return [...this.members.members.values()];
  }

  /** Admits a worker (active from the next step on) and sends its Welcome. */
  join(worker: { id: string; host?: string; backend: string; device: string }, stream: WorkerStream): Member {
    const earlier = this.members.members.get(worker.id);
    if (earlier) this.leave(worker.id, earlier.session, 'replaced', 'the worker joined again');
    const { membership: next, member } = membership.join(this.members, worker, this.now());
    this.members = next;
    this.streams.set(worker.id, { session: member.session, stream, parametersVersion: 0 });
    this.options.log.info('worker joined', { worker: worker.id, session: member.session, backend: worker.backend, device: worker.device, generation: next.generation });
    void stream
      .send({
        welcome: {
          workerId: worker.id,
          session: member.session,
          generation: next.generation,
          specJson: this.options.specJson,
          parameterCount: this.options.parameterCount,
          heartbeatIntervalMs: Math.max(100, Math.floor(this.options.heartbeatTimeoutMs / 4)),
        },
      })
      .catch(() => this.leave(worker.id, member.session, 'stream-closed', 'could not send the welcome'));
    this.options.observer?.workerChanged?.(member);
    this.notify();
    return member;
  }

  /** Removes a session (no-op for one already gone), fails its tasks and ends its stream. */
  leave(id: string, session: number, reason: LeaveReason, detail: string): void {
    const left = membership.leave(this.members, id, session);
    if (!left) return;
    this.members = left.membership;
    const entry = this.streams.get(id);
    if (entry && entry.session === session) {
      this.streams.delete(id);
      if (reason !== 'stream-closed' && reason !== 'left') entry.stream.close(reason, detail);
    }
    this.holdings.delete(id);
    let tasksLost = 0;
    for (const task of [...this.tasks.values()]) {
      if (task.worker === id && task.session === session) {
        clearTimeout(task.timer);
        this.tasks.delete(task.id);
        task.reject(new WorkerLostError(id, reason));
        tasksLost++;
      }
    }
    this.options.metrics?.workerRemoved(id, reason);
    const record = { worker: id, session, at: this.now(), reason, detail };
    this.failures.push(record);
    this.options.observer?.workerLeft?.(record);
    const log = reason === 'left' || reason === 'replaced' || reason === 'shutdown' ? this.options.log.info : this.options.log.warn;
    log('worker removed', { worker: id, session, reason, detail, tasksLost, generation: this.members.generation });
    this.notify();
  }

  /** A heartbeat; the current generation, or null for an unknown session (or one that joined over another connection than `peer`). */
  heartbeat(id: string, session: number, peer?: string): number | null {
    if (!this.sessionOf(id, session, peer)) return null;
    const touched = membership.touch(this.members, id, session, this.now());
    if (!touched) return null;
    this.members = touched;
    this.options.observer?.workerChanged?.(this.members.members.get(id)!);
    return this.members.generation;
  }

  /** Drops idle workers not heard from within the heartbeat timeout. */
  checkHeartbeats(): void {
    const busy = new Set([...this.tasks.values()].map((t) => t.worker));
    for (const w of membership.silentMembers(this.members, this.now(), this.options.heartbeatTimeoutMs, busy)) {
      this.leave(w.id, w.session, 'heartbeat', `not heard from for ${this.now() - w.lastSeenAt} ms`);
    }
  }

  /**
   * The header of a result, from `peer` (the gRPC peer of its Report call).
   * Accepted: the receiver of its gradient chunks (the task completes at
   * `finish`). Refused: the worker is dropped (except an unknown one).
   */
  openReport(result: TaskResult__Output, peer?: string): { readonly ok: true; readonly receiver: ReportReceiver } | ReportRefusal {
    const member = this.sessionOf(result.workerId, result.session, peer);
    if (!member) return { ok: false, problem: 'unknown-worker', detail: `no worker ${JSON.stringify(result.workerId)} with session ${result.session} on this connection` };
    this.members = membership.touch(this.members, result.workerId, result.session, this.now())!;
    const task = this.tasks.get(result.taskId);
    if (!task || task.worker !== result.workerId || task.session !== result.session || task.receiving) {
      return this.refuse(member, result.taskId, { ok: false, problem: 'stale', detail: `task ${result.taskId} is not outstanding for this worker` });
    }
    const check = checkResult(result, task);
    if (!check.ok) return this.refuse(member, result.taskId, check);
    task.receiving = true;
    const gradient = task.part === 'train' ? new TensorAssembly(task.takeGradient()) : null;
    let refused = false;
    const refuse = (detail: string): ReportRefusal => {
      refused = true;
      return this.refuse(member, task.id, { ok: false, problem: 'invalid', detail });
    };
    // Once the task is gone (its worker dropped, the job over), its gradient buffer may be
    // the trainer's again: nothing more may be written to it.
    const gone = (): ReportRefusal | null =>
      this.tasks.get(task.id) === task ? null : { ok: false, problem: 'stale', detail: `task ${task.id} is no longer outstanding` };
    return {
      ok: true,
      receiver: {
        chunk: (offset, values) => {
          if (refused) return { ok: false, problem: 'invalid', detail: 'the result was refused already' };
          const stale = gone();
          if (stale) return stale;
          if (!gradient) return refuse(`a validation result carries ${values.byteLength} gradient bytes`);
          const problem = gradient.add(offset, values);
          if (problem) return refuse(`gradient: ${problem}`);
          // Checked while the chunk is still in cache (a scan of the whole gradient at the end read 32 MB again).
          const bad = firstNonFinite(gradient.destination.subarray(offset, offset + values.byteLength / 4));
          return bad >= 0 ? refuse(`gradient value ${offset + bad} is ${gradient.destination[offset + bad]}`) : null;
        },
        reject: (detail) => (refused ? { ok: false, problem: 'invalid', detail: 'the result was refused already' } : (gone() ?? refuse(detail))),
        finish: () => {
          if (refused) return { ok: false, problem: 'invalid', detail: 'the result was refused already' };
          const stale = gone();
          if (stale) return stale;
          if (gradient && !gradient.complete) return refuse(`gradient of ${gradient.received} values, expected ${this.options.parameterCount}`);
          clearTimeout(task.timer);
          this.tasks.delete(task.id);
          const seconds = (performance.now() - task.sentAt) / 1000;
          const current = this.members.members.get(member.id);
          if (current) this.options.observer?.taskDone?.(current, task.count, seconds);
          this.options.metrics?.taskAccepted(task.worker, task.part, task.count, seconds);
          task.resolve({ firstPosition: task.firstPosition, count: task.count, lossSum: check.lossSum, gradSum: gradient?.destination ?? null });
          return { ok: true };
        },
      },
    };
  }

  /**
   * The member of a session, when `peer` (if known) is the connection it
   * joined over. Session numbers are no secret (they count up, and Watch
   * shows them), so without this any token holder could send results in
   * another worker's name: a finite, wrong gradient would be accepted into
   * the model, and a refused one would drop the real worker. A worker sends
   * its Join, Reports and Heartbeats over one channel, hence one
   * connection; after a reconnect it joins again.
   */
  private sessionOf(id: string, session: number, peer: string | undefined): Member | null {
    const member = membership.memberOf(this.members, id, session);
    if (!member) return null;
    if (peer !== undefined && member.host !== undefined && member.host !== peer) return null;
    return member;
  }

  /** Logs a refused result and drops its worker. */
  private refuse(member: Member, taskId: number, refusal: ReportRefusal): ReportRefusal {
    this.options.log.warn('result rejected', { worker: member.id, session: member.session, task: taskId, problem: refusal.problem, detail: refusal.detail });
    this.leave(member.id, member.session, 'invalid-message', `${refusal.problem} result: ${refusal.detail}`);
    return refusal;
  }

  /**
   * Computes every item of the job once, across the workers, and returns the
   * parts in their fixed summation order. Waits for workers as needed.
   * @throws CoordinatorStoppedError
   */
  async compute(job: Job): Promise<PartResult[]> {
    // Views, not copies: the parameters do not change until every part of the job is back.
    // Each worker's stream serialises them as it sends them (parameter-encoding.ts). Serialising
    // them once for all workers kept 32 MB of buffers per step alive long enough to reach V8's
    // old generation, which then took a full collection every step or two to free: in bench
    // sync with 1 worker, 129-149 ms per step with it against about 104 without.
    const version = ++this.parametersVersion;
    const parameters: ParameterMessages = {
      version,
      commands: tensorChunks(job.parameters).map((c) => ({ parameters: { version, offset: c.offset, values: c.values } })),
      bytes: job.parameters.byteLength,
    };
    let pending: readonly WorkItem[] = job.items;
    const done: PartResult[] = [];
    let startOfJob = true;
    const phases = { wait: 0, shard: 0, compute: 0 };
    let mark = performance.now();
    const lap = (phase: keyof typeof phases): void => {
      const now = performance.now();
      phases[phase] += (now - mark) / 1000;
      mark = now;
    };
    while (pending.length > 0) {
      await this.ready(startOfJob);
      startOfJob = false;
      lap('wait');
      await this.reshard();
      lap('shard');
      const parts = splitByOwner(pending, this.assignment);
      const attempts = [...parts].map(([worker, items]) =>
        this.dispatch(worker, job, parameters, items).then(
          (result) => ({ result, items: null }),
          () => ({ result: null, items }),
        ),
      );
      const again: WorkItem[] = [];
      for (const attempt of await Promise.all(attempts)) {
        if (attempt.result) done.push(attempt.result);
        else again.push(...attempt.items);
      }
      if (again.length > 0) this.options.log.warn('recomputing rows of lost workers', { part: job.part, epoch: job.epoch, step: job.step, rows: again.length });
      pending = again;
      lap('compute');
    }
    this.options.metrics?.jobDone(job.part, phases);
    return done.sort((a, b) => a.firstPosition - b.firstPosition);
  }

  /** Ends every stream; waiting and running jobs fail with CoordinatorStoppedError. */
  stop(reason: 'finished' | 'shutdown'): void {
    this.stopped = true;
    for (const [id, { session, stream }] of [...this.streams]) {
      if (reason === 'finished') {
        void stream
          .send({ finished: { reason: 'training is over' } })
          .catch(() => undefined)
          .finally(() => stream.close('finished', 'training is over'));
        this.streams.delete(id);
        this.members = membership.leave(this.members, id, session)?.membership ?? this.members;
      } else {
        this.leave(id, session, 'shutdown', 'the coordinator is shutting down');
      }
    }
    for (const task of this.tasks.values()) {
      clearTimeout(task.timer);
      task.reject(new CoordinatorStoppedError());
    }
    this.tasks.clear();
    this.notify();
  }

  /** Waits until enough workers are there; at the start of a job, admits the pending ones. */
  private async ready(startOfJob: boolean): Promise<void> {
    for (;;) {
      if (this.stopped) throw new CoordinatorStoppedError();
      const readiness = membership.readiness(this.members, this.options.minWorkers);
      if (readiness.ready) {
        const active = activeMembers(this.members).length;
        if (startOfJob || active < this.options.minWorkers || active === 0) {
          const { membership: next, admitted } = membership.admit(this.members);
          this.members = next;
          for (const w of admitted) {
            this.options.log.info('worker active', { worker: w.id, session: w.session, generation: next.generation });
            this.options.observer?.workerChanged?.(next.members.get(w.id)!);
          }
        }
        this.lastWaitLog = '';
        return;
      }
      const line = `${readiness.have}/${readiness.need}`;
      if (line !== this.lastWaitLog) {
        this.lastWaitLog = line;
        this.options.log.info(`waiting for workers: ${readiness.have} connected, --min-workers is ${readiness.need}`, { have: readiness.have, need: readiness.need });
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Rebalances the slots over the active workers and ships the rows that moved. */
  private async reshard(): Promise<void> {
    const active = activeMembers(this.members).sort((a, b) => a.session - b.session);
    const { assignment, moves } = rebalance(this.assignment, active.map((w) => w.id));
    this.assignment = assignment;
    if (moves.length > 0) this.options.log.info('resharded', { slotsMoved: moves.length, workers: active.length, generation: this.members.generation });
    const sends: Promise<void>[] = [];
    for (const w of active) {
      const owned = new Set([...assignment].filter(([, owner]) => owner === w.id).map(([slot]) => slot));
      const held = this.holdings.get(w.id) ?? new Set<number>();
      const gained = new Set([...owned].filter((s) => !held.has(s)));
      const lost = new Set([...held].filter((s) => !owned.has(s)));
      if (gained.size === 0 && lost.size === 0) continue;
      this.holdings.set(w.id, owned);
      sends.push(this.ship(w, gained, lost));
    }
    await Promise.all(sends);
  }

  private async ship(w: Member, gained: ReadonlySet<number>, lost: ReadonlySet<number>): Promise<void> {
    const entry = this.streams.get(w.id);
    if (!entry) return;
    const { data } = this.options;
    const generation = this.members.generation;
    try {
      for (const [part, rows] of [['train', data.train], ['valid', data.valid]] as const) {
        const drop = rowsOfSlots(rows.rows, lost);
        const add = rowsOfSlots(rows.rows, gained);
        const pixelWidth = rows.pixels.length / Math.max(1, rows.rows);
        const targetWidth = rows.targets.length / Math.max(1, rows.rows);
        if (drop.length > 0) await entry.stream.send({ shard: { generation, part: partName(part), dropRows: drop } });
        for (let start = 0; start < add.length; start += SHARD_CHUNK_ROWS) {
          const chunk = add.slice(start, start + SHARD_CHUNK_ROWS);
          const pixels = Buffer.alloc(chunk.length * pixelWidth);
          const targets = new Float32Array(chunk.length * targetWidth);
          chunk.forEach((r, i) => {
            pixels.set(rows.pixels.subarray(r * pixelWidth, (r + 1) * pixelWidth), i * pixelWidth);
            targets.set(rows.targets.subarray(r * targetWidth, (r + 1) * targetWidth), i * targetWidth);
          });
          await entry.stream.send({ shard: { generation, part: partName(part), addRows: chunk, pixels, targets: float32Bytes(targets) } });
          this.options.metrics?.shardSent(pixels.byteLength + targets.byteLength);
        }
      }
    } catch {
      this.leave(w.id, w.session, 'stream-closed', 'could not send its shard');
    }
  }

  private dispatch(worker: string, job: Job, parameters: ParameterMessages, items: readonly WorkItem[]): Promise<PartResult> {
    const member = this.members.members.get(worker);
    const entry = this.streams.get(worker);
    if (!member || !entry) return Promise.reject(new WorkerLostError(worker, 'gone before its task was sent'));
    const id = this.nextTaskId++;
    const positions = items.map((i) => i.position);
    const flipMask = job.flipMask ? Buffer.from(positions.map((p) => job.flipMask![p])) : Buffer.alloc(0);
    return new Promise<PartResult>((resolve, reject) => {
      const timer = setTimeout(
        () => this.leave(worker, member.session, 'deadline', `no result for task ${id} within ${this.options.taskTimeoutMs} ms`),
        this.options.taskTimeoutMs,
      );
      this.tasks.set(id, {
        id,
        worker,
        session: member.session,
        generation: this.members.generation,
        part: job.part,
        epoch: job.epoch,
        step: job.step,
        count: items.length,
        firstPosition: Math.min(...positions),
        resolve,
        reject,
        timer,
        sentAt: performance.now(),
        takeGradient: () => job.gradients?.take() ?? new Float32Array(this.options.parameterCount),
        receiving: false,
      });
      this.options.log.debug('task sent', { worker, session: member.session, task: id, part: job.part, epoch: job.epoch, step: job.step, rows: items.length });
      const task: Command = {
        task: {
          generation: this.members.generation,
          taskId: id,
          part: partName(job.part),
          epoch: job.epoch,
          step: job.step,
          parametersVersion: parameters.version,
          rows: items.map((i) => i.row),
          positions,
          flipMask,
          dropoutSeed: job.dropoutSeed,
        },
      };
      // Parameters go once per version to each worker (a recomputation in the same job reuses them).
      const sendParameters = entry.parametersVersion !== parameters.version;
      entry.parametersVersion = parameters.version;
      (async () => {
        if (sendParameters) {
          for (const command of parameters.commands) await entry.stream.send(command);
          this.options.metrics?.parametersSent(parameters.bytes);
        }
        await entry.stream.send(task);
      })().catch(() => this.leave(worker, member.session, 'stream-closed', `could not send task ${id}`));
    });
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** One parameter vector as the chunk commands that carry it. */
interface ParameterMessages {
  readonly version: number;
  readonly commands: readonly Command[];
  readonly bytes: number;
}

function partName(part: 'train' | 'valid'): 'PART_TRAIN' | 'PART_VALID' {
  return part === 'train' ? 'PART_TRAIN' : 'PART_VALID';
}

export { SLOT_COUNT };
