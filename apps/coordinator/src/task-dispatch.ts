/**
 * Tasks under a deadline: sends a worker the parameters (once per version)
 * and its task, and keeps the task outstanding until its result is accepted
 * (result-intake.ts), its worker is lost, or its deadline passes, which
 * drops the worker (its rows are then computed by the others: step-job.ts).
 */
import type { Command } from '@kfkd/proto';
import { partToWire } from '@kfkd/proto';
import type { Logger } from '@kfkd/runtime';
import type { Clock, Timer } from './clock.ts';
import { CoordinatorStoppedError, WorkerLostError } from './errors.ts';
import type { LeaveReason } from './membership.ts';
import type { PoolObserver } from './pool-events.ts';
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
}

interface Pending extends OutstandingTask {
  readonly resolve: (result: PartResult) => void;
  readonly reject: (error: Error) => void;
  readonly deadline: Timer;
}

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
    const positions = items.map((i) => i.position);
    const flipMask = job.flipMask ? Buffer.from(positions.map((p) => job.flipMask![p])) : Buffer.alloc(0);
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
        firstPosition: Math.min(...positions),
        resolve,
        reject,
        deadline,
        sentAt: performance.now(),
        takeGradient: () => job.gradients?.take() ?? new Float32Array(this.options.parameterCount),
        receiving: false,
      });
      log.debug('task sent', { worker, session: member.session, task: id, part: job.part, epoch: job.epoch, step: job.step, rows: items.length });
      const task: Command = {
        task: {
          generation,
          taskId: id,
          part: partToWire(job.part),
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
          this.options.events.parametersSent(parameters.bytes);
        }
        await entry.stream.send(task);
      })().catch(() => this.registry.leave(worker, member.session, 'stream-closed', `could not send task ${id}`));
    });
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
