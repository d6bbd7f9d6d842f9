/**
 * Tasks under a deadline: sends a worker the parameters (once per version)
 * and its task, and keeps the task outstanding until its result is accepted
 * (result-intake.ts), its worker is lost, or its deadline passes, which
 * drops the worker (its rows are then computed by the others: step-job.ts).
 */
import type { Command, RingRole } from '@kfkd/proto';
import { partToWire } from '@kfkd/proto';
import type { Logger } from '@kfkd/runtime';
import type { Clock, Timer } from './clock.ts';
import { CoordinatorStoppedError, WorkerLostError } from './errors.ts';
import type { LeaveReason } from './membership.ts';
import type { PoolObserver } from './pool-events.ts';
import type { RingPlan } from './ring-plan.ts';
import type { Job, ParameterMessages, PartResult, WorkItem } from './step-job.ts';
import type { IssuedTask } from './validation.ts';
import type { WorkerRegistry } from './worker-registry.ts';

/** A task sent and not answered yet. */
export interface OutstandingTask extends IssuedTask {
  /** Smallest batch position of its rows. */
  readonly firstPosition: number;
  /** performance.now() when the task was handed to its stream. */
  readonly sentAt: number;
  /** The buffer its gradient is received into. */
  readonly takeGradient: () => Float32Array;
  /** A Report stream for the task is open (a second one is refused). */
  receiving: boolean;
  /** Rows this worker computed itself (`count` of a ring's last worker covers the whole ring). */
  readonly ownRows: number;
  /** A ring member other than the last: it reports nothing to the coordinator (its sum goes to the next worker). */
  readonly relaysOnly: boolean;
  /** The last member of a ring round: the ring's workers in order (its report may carry the hops between them). */
  readonly ring?: readonly string[];
}

interface Pending extends OutstandingTask {
  readonly resolve: (result: PartResult) => void;
  readonly reject: (error: Error) => void;
  readonly deadline: Timer;
}

/** A ring round's tasks could not give a result; its rows are computed again (step-job.ts). */
export class RingRoundFailedError extends Error {
  override readonly name = 'RingRoundFailedError';
}

/** Task ids of failed ring rounds kept, so that a late report of one is refused without dropping its worker. */
const ABANDONED_KEPT = 1024;

export interface DispatchOptions {
  /** A task not answered within this time drops its worker. */
  readonly stepTimeoutMs: number;
  readonly parameterCount: number;
  readonly clock: Clock;
  readonly log: Logger;
  readonly events: Required<PoolObserver>;
}

export class TaskDispatcher {
  private readonly tasks = new Map<number, Pending>();
  private nextTaskId = 1;
  private nextRingId = 1;
  private readonly abandoned = new Set<number>();

  constructor(
    private readonly registry: Pick<WorkerRegistry, 'member' | 'streamOf' | 'generation' | 'leave'>,
    private readonly options: DispatchOptions,
  ) {}

  /** Sends `worker` a task of `items`; resolves with its accepted result, rejects when the worker is lost first. */
  dispatch(worker: string, job: Job, parameters: ParameterMessages, items: readonly WorkItem[]): Promise<PartResult> {
    const member = this.registry.member(worker);
    const entry = this.registry.streamOf(worker);
    if (!member || !entry) return Promise.reject(new WorkerLostError(worker, 'gone before its task was sent'));
    const { stepTimeoutMs, clock, log } = this.options;
    const generation = this.registry.generation;
    const id = this.nextTaskId++;
    const firstPosition = Math.min(...items.map((i) => i.position));
    return new Promise<PartResult>((resolve, reject) => {
      const deadline = clock.schedule(stepTimeoutMs, () => this.registry.leave(worker, member.session, 'deadline', `no result for task ${id} within ${stepTimeoutMs} ms`));
      this.tasks.set(id, {
        id,
        worker,
        session: member.session,
        generation,
        part: job.part,
        epoch: job.epoch,
        step: job.step,
        count: items.length,
        firstPosition,
        resolve,
        reject,
        deadline,
        sentAt: performance.now(),
        takeGradient: () => job.gradients?.take() ?? new Float32Array(this.options.parameterCount),
        receiving: false,
        ownRows: items.length,
        relaysOnly: false,
      });
      log.debug('task sent', { worker, session: member.session, task: id, part: job.part, epoch: job.epoch, step: job.step, rows: items.length });
      const task = taskCommand(generation, id, job, parameters, items);
      // Parameters go once per version to each worker (a recomputation in the same job reuses them).
      const sendParameters = entry.parametersVersion !== parameters.version;
      entry.parametersVersion = parameters.version;
      (async () => {
        if (sendParameters) {
          for (const command of parameters.commands) await entry.stream.send(command);
          this.options.events.parametersSent(parameters.bytes);
        }
        await entry.stream.send(task);
      })().catch(() => this.registry.leave(worker, member.session, 'stream-closed', `could not send task ${id}`));
    });
  }

  /**
   * Sends a ring round (ring-plan.ts, RingRole in kfkd.proto): every member
   * its task first, then the parameters to the first member only, when one
   * of them lacks this version (each member forwards them to the next).
   * Resolves with the ring's sum, reported by its last member for the whole
   * ring. Rejects with RingRoundFailedError when a member is lost, or when
   * no sum came within the step timeout (nobody is dropped for that: the
   * rows are computed again on the star, whose deadlines find the worker at
   * fault); the round's tasks are then abandoned, and a late report of one
   * is refused without dropping its worker.
   */
  dispatchRing(ring: RingPlan, job: Job, parameters: ParameterMessages): Promise<PartResult> {
    const { stepTimeoutMs, clock, log } = this.options;
    const generation = this.registry.generation;
    const ringId = this.nextRingId++;
    const entries = ring.members.map((m) => ({ m, member: this.registry.member(m.worker), entry: this.registry.streamOf(m.worker) }));
    const missing = entries.find((e) => !e.member || !e.entry);
    if (missing) return Promise.reject(new RingRoundFailedError(`worker ${missing.m.worker} gone before the ring round was sent`));
    const last = entries.length - 1;
    return new Promise<PartResult>((resolve, reject) => {
      const ids: number[] = [];
      let settled = false;
      const settle = (error: Error | null, result?: PartResult): void => {
        if (settled) return;
        settled = true;
        deadline.cancel();
        for (const id of ids) {
          const task = this.tasks.get(id);
          if (!task) continue;
          task.deadline.cancel();
          this.tasks.delete(id);
          if (error) this.abandon(id);
          else if (task.relaysOnly) this.options.events.taskDone({ member: this.registry.member(task.worker) ?? entries.find((e) => e.m.worker === task.worker)!.member!, part: job.part, rows: task.ownRows, seconds: (performance.now() - task.sentAt) / 1000 });
        }
        if (error) {
          // What a member holds is unknown now: the next round sends the parameters again.
          for (const { entry } of entries) entry!.parametersVersion = 0;
          reject(error);
        } else resolve(result!);
      };
      const deadline = clock.schedule(stepTimeoutMs, () => {
        log.warn('ring round timed out: its rows are computed again on the star', { ring: ringId, epoch: job.epoch, step: job.step, workers: entries.length, timeoutMs: stepTimeoutMs });
        this.options.events.ringRoundFailed('timed-out');
        settle(new RingRoundFailedError(`ring round ${ringId} gave no sum within ${stepTimeoutMs} ms`));
      });
      const sends: { entry: NonNullable<(typeof entries)[number]['entry']>; task: Command }[] = [];
      entries.forEach(({ m, member, entry }, position) => {
        const id = this.nextTaskId++;
        ids.push(id);
        const isLast = position === last;
        this.tasks.set(id, {
          id,
          worker: m.worker,
          session: member!.session,
          generation,
          part: job.part,
          epoch: job.epoch,
          step: job.step,
          count: isLast ? ring.totalCount : m.items.length,
          firstPosition: isLast ? ring.firstPosition : m.firstPosition,
          resolve: (result) => settle(null, result),
          reject: (error) => {
            if (!settled && !(error instanceof CoordinatorStoppedError)) this.options.events.ringRoundFailed('lost-worker');
            settle(new RingRoundFailedError(`ring round ${ringId}: ${error.message}`));
          },
          // The ring's own deadline covers its members.
          deadline: { cancel: () => {} },
          sentAt: performance.now(),
          takeGradient: () => job.gradients?.take() ?? new Float32Array(this.options.parameterCount),
          receiving: false,
          ownRows: m.items.length,
          relaysOnly: !isLast,
          ...(isLast ? { ring: entries.map((e) => e.m.worker) } : {}),
        });
        const next = entries[position + 1]?.m;
        log.debug('task sent', { worker: m.worker, session: member!.session, task: id, part: job.part, epoch: job.epoch, step: job.step, rows: m.items.length, ring: ringId, position });
        sends.push({
          entry: entry!,
          task: taskCommand(generation, id, job, parameters, m.items, {
            ringId,
            position,
            size: entries.length,
            nextWorker: next?.worker ?? '',
            nextAddress: next?.peerAddress ?? '',
            totalCount: ring.totalCount,
          }),
        });
      });
      const sendParameters = entries.some(({ entry }) => entry!.parametersVersion !== parameters.version);
      for (const { entry } of entries) entry!.parametersVersion = parameters.version;
      const failSend = (worker: string, session: number, id: number) => () => this.registry.leave(worker, session, 'stream-closed', `could not send task ${id}`);
      sends.forEach(({ entry, task }, position) => {
        const worker = entries[position].m.worker;
        const session = entries[position].member!.session;
        (async () => {
          await entry.stream.send(task);
          if (position === 0 && sendParameters) {
            for (const command of parameters.commands) await entry.stream.send(command);
            this.options.events.parametersSent(parameters.bytes);
          }
        })().catch(failSend(worker, session, ids[position]));
      });
    });
  }

  /** Whether `id` was a task of a ring round that failed (a late report of it is no fault of its worker). */
  wasAbandoned(id: number): boolean {
    return this.abandoned.has(id);
  }

  private abandon(id: number): void {
    this.abandoned.add(id);
    if (this.abandoned.size > ABANDONED_KEPT) this.abandoned.delete(this.abandoned.values().next().value!);
  }

  /** The outstanding task of this id. */
  outstanding(id: number): OutstandingTask | undefined {
    return this.tasks.get(id);
  }

  /** Whether `task` is still outstanding (not completed, and its worker not lost). */
  isOutstanding(task: OutstandingTask): boolean {
    return this.tasks.get(task.id) === task;
  }

  /** The task's result was accepted. */
  complete(task: OutstandingTask, result: PartResult): void {
    const pending = this.tasks.get(task.id);
    if (pending !== task) return;
    pending.deadline.cancel();
    this.tasks.delete(task.id);
    pending.resolve(result);
  }

  /** Fails the tasks of a session that left; returns how many. */
  failTasksOf(worker: string, session: number, reason: LeaveReason): number {
    let lost = 0;
    for (const task of [...this.tasks.values()]) {
      if (task.worker === worker && task.session === session) {
        task.deadline.cancel();
        this.tasks.delete(task.id);
        task.reject(new WorkerLostError(worker, reason));
        lost++;
      }
    }
    return lost;
  }

  /** Workers computing a task (exempt from the heartbeat: their deadline covers them). */
  busyWorkers(): Set<string> {
    return new Set([...this.tasks.values()].map((t) => t.worker));
  }

  /** Fails every outstanding task with CoordinatorStoppedError. */
  stop(): void {
    for (const task of this.tasks.values()) {
      task.deadline.cancel();
      task.reject(new CoordinatorStoppedError());
    }
    this.tasks.clear();
  }
}

/** The Task command of `items` of `job` (a ring member's with its `ring` role). */
function taskCommand(generation: number, taskId: number, job: Job, parameters: ParameterMessages, items: readonly WorkItem[], ring?: RingRole): Command {
  const positions = items.map((i) => i.position);
  return {
    task: {
      generation,
      taskId,
      part: partToWire(job.part),
      epoch: job.epoch,
      step: job.step,
      parametersVersion: parameters.version,
      rows: items.map((i) => i.row),
      positions,
      flipMask: job.flipMask ? Buffer.from(positions.map((p) => job.flipMask![p])) : Buffer.alloc(0),
      dropoutSeed: job.dropoutSeed,
      ...(ring ? { ring } : {}),
    },
  };
}
