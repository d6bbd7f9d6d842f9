/**
 * The pool of workers a run trains with: composes the worker registry
 * (members, streams, sessions), shard shipping, task dispatch under a
 * deadline and result intake, and computes each step's job with them
 * (step-job.ts), recomputing the rows of lost workers until every row was
 * computed exactly once. Membership decisions are membership.ts's.
 */
import type { TaskResult__Output } from '@kfkd/proto';
import type { TrainingData } from '@kfkd/model';
import type { Logger } from '@kfkd/runtime';
import { type Clock, type Timer, realClock } from './clock.ts';
import type { LeaveReason, Member, WorkerInfo } from './membership.ts';
import { type PoolObserver, poolEvents } from './pool-events.ts';
import { type ReportReceiver, type ReportRefusal, ResultIntake } from './result-intake.ts';
import { DEFAULT_RING_MIN_WORKERS, type Topology, chooseTopology } from './ring-plan.ts';
import { ShardShipper } from './shard-shipping.ts';
import { SLOT_COUNT } from './sharding.ts';
import { type Job, type PartResult, parameterMessages, runJob } from './step-job.ts';
import { TaskDispatcher } from './task-dispatch.ts';
import { type FailureRecord, type WorkerStream, WorkerRegistry } from './worker-registry.ts';

export type { PoolObserver, TaskDone } from './pool-events.ts';
export type { ReportOutcome, ReportReceiver, ReportRefusal } from './result-intake.ts';
export type { Job, JobPhases, PartResult, WorkItem } from './step-job.ts';
export type { FailureRecord, WorkerStream } from './worker-registry.ts';

export interface PoolOptions {
  readonly data: TrainingData;
  readonly specJson: string;
  readonly parameterCount: number;
  readonly minWorkers: number;
  /** A task not answered within this time drops its worker (`--step-timeout`). */
  readonly stepTimeoutMs: number;
  /** An idle worker not heard from within this time is dropped. */
  readonly heartbeatTimeoutMs: number;
  readonly log: Logger;
  /** Deadlines, heartbeat checks and membership times (default: the real clock). */
  readonly clock?: Clock;
  /** Told of membership changes, finished tasks and jobs, bytes sent (the Watch journal, the metrics). */
  readonly observers?: readonly PoolObserver[];
  /** How training steps are summed (`--topology`; default here 'star', the cli's 'auto'): see ring-plan.ts. */
  readonly topology?: Topology;
  /** Under 'auto', rings from this many workers on (default DEFAULT_RING_MIN_WORKERS). */
  readonly ringMinWorkers?: number;
}

export class WorkerPool {
  private readonly registry: WorkerRegistry;
  private readonly shipper: ShardShipper;
  private readonly dispatcher: TaskDispatcher;
  private readonly intake: ResultIntake;
  private readonly events: Required<PoolObserver>;
  private parametersVersion = 0;
  /** The last round's topology and why, logged when it changes. */
  private lastTopology = '';
  /** The generation in which a ring round timed out: star rounds until it changes. */
  private ringsSuspendedIn: number | null = null;

  constructor(private readonly options: PoolOptions) {
    const { data, specJson, parameterCount, minWorkers, stepTimeoutMs, heartbeatTimeoutMs, log, clock = realClock } = options;
    // A ring round that timed out names no culprit (a peer link may be down while every worker still reaches the
    // coordinator): rings are suspended until the membership changes, so one bad link cannot cost every step a timeout.
    const suspendRings: PoolObserver = { ringRoundFailed: (reason) => reason === 'timed-out' && (this.ringsSuspendedIn = this.registry.generation) };
    const events = poolEvents([...(options.observers ?? []), suspendRings]);
    this.events = events;
    this.registry = new WorkerRegistry({ specJson, parameterCount, minWorkers, heartbeatTimeoutMs, clock, log, events }, (id, session, reason) => {
      this.shipper.forget(id);
      return this.dispatcher.failTasksOf(id, session, reason);
    });
    this.shipper = new ShardShipper(this.registry, { data, log, events });
    this.dispatcher = new TaskDispatcher(this.registry, { stepTimeoutMs, parameterCount, clock, log, events });
    this.intake = new ResultIntake(this.registry, this.dispatcher, { parameterCount, log, events });
  }

  get generation(): number {
    return this.registry.generation;
  }

  /** Workers taking part in steps (joined workers become active at the next step). */
  get activeCount(): number {
    return this.registry.activeCount;
  }

  get memberCount(): number {
    return this.registry.memberCount;
  }

  /** Why workers left, in order. */
  get failures(): readonly FailureRecord[] {
    return this.registry.failures;
  }

  /** The current members, pending and active. */
  currentMembers(): Member[] {
    return this.registry.currentMembers();
  }

  /**
   * Admits a worker (active from the next step on) and sends its Welcome.
   * `session`: the number a pool of several jobs gave the join (unique across its jobs; default: this pool's next).
   */
  join(worker: WorkerInfo, stream: WorkerStream, session?: number): Member {
    return this.registry.join(worker, stream, session);
  }

  /** Moves a worker to another job at this job's next step boundary (it is sent Moved; see WorkerRegistry.release). */
  release(id: string, detail: string): void {
    this.registry.release(id, detail);
  }

  /** Removes a session (no-op for one already gone), fails its tasks and ends its stream. */
  leave(id: string, session: number, reason: LeaveReason, detail: string): void {
    this.registry.leave(id, session, reason, detail);
  }

  /** A heartbeat; the current generation, or null for an unknown session (or one that joined over another connection than `peer`). */
  heartbeat(id: string, session: number, peer?: string): number | null {
    return this.registry.heartbeat(id, session, peer);
  }

  /** Drops idle workers not heard from within the heartbeat timeout (busy ones are covered by their task's deadline). */
  checkHeartbeats(): void {
    this.registry.checkHeartbeats(this.dispatcher.busyWorkers());
  }

  /** Checks heartbeats on the pool's clock until the returned timer is cancelled. */
  watchHeartbeats(): Timer {
    return this.registry.watchHeartbeats(() => this.dispatcher.busyWorkers());
  }

  /**
   * The header of a result, from `peer` (the gRPC peer of its Report call).
   * Accepted: the receiver of its gradient chunks (the task completes at
   * `finish`). Refused: the worker is dropped (except an unknown one).
   */
  openReport(result: TaskResult__Output, peer?: string): { readonly ok: true; readonly receiver: ReportReceiver } | ReportRefusal {
    return this.intake.openReport(result, peer);
  }

  /**
   * Computes every item of the job once, across the workers, and returns the
   * parts in their fixed summation order. Waits for workers as needed.
   * @throws CoordinatorStoppedError
   */
  async compute(job: Job): Promise<PartResult[]> {
    const parameters = parameterMessages(++this.parametersVersion, job.parameters);
    const { parts, phases } = await runJob(
      job,
      {
        ready: (startOfJob) => this.registry.ready(startOfJob),
        reshard: () => this.shipper.reshard(),
        dispatch: (worker, items) => this.dispatcher.dispatch(worker, job, parameters, items),
        ring: (owners) => {
          const members = [...owners].map(([worker, items]) => ({ worker, items, peerAddress: this.registry.member(worker)?.peerAddress }));
          const suspended = this.ringsSuspendedIn === this.registry.generation;
          const choice = suspended
            ? ({ kind: 'star', why: `a ring round timed out in generation ${this.registry.generation}: star steps until the workers change` } as const)
            : chooseTopology(this.options.topology ?? 'star', members, this.options.ringMinWorkers ?? DEFAULT_RING_MIN_WORKERS);
          const described = choice.kind === 'ring' ? `ring of ${choice.ring.members.length}` : `star (${choice.why})`;
          if (described !== this.lastTopology) {
            this.lastTopology = described;
            this.options.log.info('step topology', { topology: choice.kind, workers: members.length, ...(choice.kind === 'ring' ? { order: choice.ring.members.map((m) => m.worker).join(',') } : { why: choice.why }) });
          }
          return choice.kind === 'ring' ? this.dispatcher.dispatchRing(choice.ring, job, parameters) : null;
        },
      },
      this.options.log,
    );
    this.events.jobDone(job.part, phases);
    return parts;
  }

  /** Ends every stream ('moved': the workers join again for another job); waiting and running jobs fail with CoordinatorStoppedError. */
  stop(reason: 'finished' | 'shutdown' | 'moved'): void {
    this.registry.stop(reason);
    this.dispatcher.stop();
  }
}

export { SLOT_COUNT };
