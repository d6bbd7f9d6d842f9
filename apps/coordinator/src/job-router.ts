/**
 * One pool of worker connections shared by several training jobs, each with
 * its own WorkerPool (membership, generations, shards, tasks): the router
 * gives every Join a session number unique across the jobs, sends it to the
 * job job-scheduler.ts picks (or parks it, Join held without a Welcome,
 * while no job needs it), routes each Report and Heartbeat by its session
 * to that job's pool, and carries out the scheduler's moves.
 *
 * A worker moves only at a step boundary of the job it leaves (the pool's
 * release(), or the job's end): that job sends it Moved, the worker joins
 * again at once, and the router welcomes the new Join into the job it was
 * moved to (the Welcome names that job's net). Until then it counts for
 * its destination, for at most `transitTimeoutMs`.
 *
 * What it offers the gRPC edge is the WorkerEndpoint of service.ts, as one
 * WorkerPool does: a coordinator of one job needs no router.
 */
import type { PlacementState, TaskResult__Output } from '@kfkd/proto';
import type { Logger } from '@kfkd/runtime';
import { type Clock, type Timer, realClock } from './clock.ts';
import { type JobDemand, countsOf, placeJoiner, rebalance, targetCounts } from './job-scheduler.ts';
import type { LeaveReason, WorkerInfo } from './membership.ts';
import { type PoolOptions, type ReportReceiver, type ReportRefusal, WorkerPool, type WorkerStream } from './pool.ts';
import type { FailureRecord } from './worker-registry.ts';

export type { WorkerInfo };

/** A job as the router sees it: its pool and what it asks of the workers. */
interface RoutedJob {
  readonly name: string;
  readonly pool: WorkerPool;
  readonly demand: () => Omit<JobDemand, 'job'>;
}

/**
 * A worker of the pool, by its latest Join:
 * - parked:     joined, no job needs it: its stream is held, no Welcome sent
 * - in-job:     a member of `job`'s pool (`destination`: where release() sends it)
 * - in-transit: sent Moved; counts for `destination` (null: wherever it is needed) until it joins again
 */
type WorkerEntry =
  | { readonly state: 'parked'; readonly info: WorkerInfo; readonly session: number; readonly stream: WorkerStream }
  | { readonly state: 'in-job'; readonly info: WorkerInfo; readonly session: number; readonly job: string; destination: string | null }
  | { readonly state: 'in-transit'; readonly info: WorkerInfo; destination: string | null; readonly timer: Timer };

export interface RouterOptions {
  readonly log: Logger;
  readonly clock?: Clock;
  /** How long a moved worker counts for its destination before it must have joined again (default 30 s). */
  readonly transitTimeoutMs?: number;
  /** Told when the placement (placements()) may have changed: the pool's Watch journal recomputes its status. */
  readonly onPlacementChanged?: () => void;
}

/** Where a worker of the pool is (WorkerPlacement of kfkd.proto). */
export interface Placement {
  readonly worker: string;
  readonly state: PlacementState;
  /** Its job, or where it moves to ('' while parked, or moving with no destination yet). */
  readonly job: string;
}

export class JobRouter {
  private nextSession = 1;
  private readonly jobs = new Map<string, RoutedJob>();
  /** By worker id, in the order they first joined (rebalance() takes the newest first). */
  private readonly workers = new Map<string, WorkerEntry>();
  private closed = false;
  /** hold() calls not yet released: while any is, no worker is placed or moved. */
  private holds = 0;

  constructor(private readonly options: RouterOptions) {}

  /**
   * Holds placements until the returned function is called (every hold):
   * workers joining meanwhile are parked, and the moves are computed once,
   * at the last release. PoolCoordinator holds while a job is being added,
   * so that jobs added together share the workers from their first step,
   * instead of the first one taking every parked worker and handing them
   * on a step later (each move ships the worker's rows again).
   */
  hold(): () => void {
    this.holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.holds > 0) return;
      this.rebalance();
      this.placementChanged();
    };
  }

  private get clock(): Clock {
    return this.options.clock ?? realClock;
  }

  /** The running jobs' names, in the order they were added. */
  get jobNames(): string[] {
    return [...this.jobs.keys()];
  }

  /** Where each worker is: its job, 'parked', or '-> job' while moving (for logs and tests). */
  placement(): Map<string, string> {
    return new Map(this.placements().map((p) => [p.worker, p.state === 'parked' ? 'parked' : p.state === 'in-job' ? p.job : `-> ${p.job || '?'}`]));
  }

  /** Where each worker is, sorted by worker id (the pool's Watch status). */
  placements(): Placement[] {
    return [...this.workers]
      .map(([worker, w]): Placement => (w.state === 'in-job' ? { worker, state: 'in-job', job: w.job } : w.state === 'parked' ? { worker, state: 'parked', job: '' } : { worker, state: 'moving', job: w.destination ?? '' }))
      .sort((a, b) => (a.worker < b.worker ? -1 : a.worker > b.worker ? 1 : 0));
  }

  /**
   * Adds a job: makes its WorkerPool (the router hears its departures) and
   * moves workers to it at the other jobs' next step boundaries.
   */
  addJob(name: string, poolOptions: PoolOptions, demand: () => Omit<JobDemand, 'job'>): WorkerPool {
    if (this.jobs.has(name)) throw new Error(`job ${name} is in the pool already`);
    if (this.closed) throw new Error('the pool takes no more jobs');
    const pool = new WorkerPool({ ...poolOptions, observers: [...(poolOptions.observers ?? []), { workerLeft: (record) => this.departed(name, record) }] });
    this.jobs.set(name, { name, pool, demand });
    this.options.log.info('job added', { job: name, jobs: this.jobs.size });
    this.rebalance();
    this.placementChanged();
    return pool;
  }

  /**
   * A job's training is over: its workers are moved to the jobs still
   * running (or parked until a job is added), or told training is over
   * when it was the last job of a closed pool.
   */
  endJob(name: string): void {
    const job = this.jobs.get(name);
    if (!job) return;
    this.jobs.delete(name);
    const last = this.closed && this.jobs.size === 0;
    this.options.log.info('job over', { job: name, jobs: this.jobs.size, workers: last ? 'finished' : 'moved' });
    // 'moved' reports each departure (departed() puts the worker in transit); 'finished' reports none.
    job.pool.stop(last ? 'finished' : 'moved');
    for (const [id, entry] of this.workers) if (entry.state === 'in-job' && entry.job === name) this.workers.delete(id);
    if (last) this.finishAll();
    else this.rebalance();
    this.placementChanged();
  }

  /** No job will be added any more: once the last one ends, every worker is told training is over. */
  close(): void {
    this.closed = true;
    if (this.jobs.size === 0) this.finishAll();
  }

  /** The jobs' shares changed (remaining work, after an epoch): recomputes the moves. Not needed for correctness; see job-scheduler.ts. */
  rebalance(): void {
    if (this.holds > 0) return;
    const demands = this.demands();
    const assignment = new Map([...this.workers].map(([id, w]) => [id, w.state === 'parked' ? null : w.state === 'in-job' ? (w.destination ?? w.job) : w.destination]));
    for (const move of rebalance(assignment, targetCounts(demands, assignment.size, countsOf(assignment)))) {
      const entry = this.workers.get(move.worker)!;
      if (entry.state === 'parked') this.enter(entry.info, entry.stream, entry.session, move.to);
      else if (entry.state === 'in-transit') entry.destination = move.to;
      else {
        entry.destination = move.to;
        this.jobs.get(entry.job)!.pool.release(move.worker, `moved to job ${move.to}`);
      }
    }
  }

  /** A Join: welcomed into a job, or parked. Returns its session (unique across the jobs). */
  join(worker: WorkerInfo, stream: WorkerStream): { readonly id: string; readonly session: number } {
    const session = this.nextSession++;
    const earlier = this.workers.get(worker.id);
    // A rejoin replaces the earlier session, wherever it is.
    if (earlier?.state === 'in-job') this.jobs.get(earlier.job)?.pool.leave(worker.id, earlier.session, 'replaced', 'the worker joined again');
    const current = this.workers.get(worker.id);
    if (current?.state === 'parked') current.stream.close('replaced', 'the worker joined again');
    if (current?.state === 'in-transit') current.timer.cancel();
    const reserved = current?.state === 'in-transit' && current.destination !== null && this.jobs.has(current.destination) ? current.destination : null;
    // Re-insert at the same place in the order (a Map keeps the first insertion's).
    const others = new Map([...this.workers].filter(([id]) => id !== worker.id).map(([id, w]) => [id, w.state === 'parked' ? null : w.state === 'in-job' ? (w.destination ?? w.job) : w.destination]));
    const job = reserved ?? (this.holds > 0 ? null : placeJoiner(this.demands(), others));
    if (this.closed && this.jobs.size === 0) {
      // The pool is over: a worker that was moved as the last job ended is told so, and exits.
      this.workers.delete(worker.id);
      this.finishStream(stream);
      return { id: worker.id, session };
    }
    if (job === null) {
      this.workers.set(worker.id, { state: 'parked', info: worker, session, stream });
      if (this.holds > 0) this.options.log.info('worker parked while jobs are being added', { worker: worker.id, session });
      else this.options.log.info('worker parked: no job needs it now', { worker: worker.id, session });
    } else this.enter(worker, stream, session, job);
    this.placementChanged();
    return { id: worker.id, session };
  }

  /** A session left (its stream closed): removed from its job, or unparked. No-op for one already gone. */
  leave(id: string, session: number, reason: LeaveReason, detail: string): void {
    const entry = this.workers.get(id);
    if (!entry || entry.state === 'in-transit' || entry.session !== session) return;
    if (entry.state === 'parked') {
      this.workers.delete(id);
      this.options.log.info('parked worker left', { worker: id, session, reason });
      this.placementChanged();
      return;
    }
    this.jobs.get(entry.job)?.pool.leave(id, session, reason, detail);
  }

  /** A heartbeat, by session, to its job's pool; null for an unknown or parked session (a parked worker was never welcomed). */
  heartbeat(id: string, session: number, peer?: string): number | null {
    return this.poolOf(id, session)?.heartbeat(id, session, peer) ?? null;
  }

  /** A result's header, by session, to its job's pool. */
  openReport(result: TaskResult__Output, peer?: string): { readonly ok: true; readonly receiver: ReportReceiver } | ReportRefusal {
    const pool = this.poolOf(result.workerId, result.session);
    if (!pool) return { ok: false, problem: 'unknown-worker', detail: `no session ${result.session} of worker ${result.workerId} in any job` };
    return pool.openReport(result, peer);
  }

  /** Ends every stream (the coordinator is shutting down): each job's pool, and the parked workers. */
  stop(reason: 'finished' | 'shutdown'): void {
    for (const job of this.jobs.values()) job.pool.stop(reason);
    for (const [id, entry] of this.workers) {
      if (entry.state === 'parked' && reason === 'finished') this.finishStream(entry.stream);
      else if (entry.state === 'parked') entry.stream.close('shutdown', 'the coordinator is shutting down');
      if (entry.state === 'in-transit') entry.timer.cancel();
      this.workers.delete(id);
    }
  }

  private poolOf(id: string, session: number): WorkerPool | null {
    const entry = this.workers.get(id);
    if (!entry || entry.state !== 'in-job' || entry.session !== session) return null;
    return this.jobs.get(entry.job)?.pool ?? null;
  }

  private enter(worker: WorkerInfo, stream: WorkerStream, session: number, job: string): void {
    this.workers.set(worker.id, { state: 'in-job', info: worker, session, job, destination: null });
    this.options.log.info('worker assigned', { worker: worker.id, session, job });
    this.jobs.get(job)!.pool.join(worker, stream, session);
  }

  /** A job's pool removed a session: moved (in transit until it joins again), or lost (gone; its job's shares change). */
  private departed(job: string, record: FailureRecord): void {
    const entry = this.workers.get(record.worker);
    if (!entry || entry.state !== 'in-job' || entry.job !== job || entry.session !== record.session) return;
    if (record.reason === 'moved') {
      const destination = entry.destination;
      const timer = this.clock.schedule(this.options.transitTimeoutMs ?? 30_000, () => this.transitTimedOut(record.worker), { unref: true });
      this.workers.set(record.worker, { state: 'in-transit', info: entry.info, destination, timer });
      this.placementChanged();
      return;
    }
    this.workers.delete(record.worker);
    if (record.reason !== 'replaced' && record.reason !== 'shutdown') this.rebalance();
    this.placementChanged();
  }

  private transitTimedOut(id: string): void {
    const entry = this.workers.get(id);
    if (entry?.state !== 'in-transit') return;
    this.workers.delete(id);
    this.options.log.warn('moved worker did not join again', { worker: id, destination: entry.destination ?? '' });
    this.rebalance();
    this.placementChanged();
  }

  private placementChanged(): void {
    this.options.onPlacementChanged?.();
  }

  private demands(): JobDemand[] {
    return [...this.jobs.values()].map((j) => ({ job: j.name, ...j.demand() }));
  }

  private finishAll(): void {
    for (const [id, entry] of this.workers) {
      if (entry.state === 'parked') this.finishStream(entry.stream);
      if (entry.state === 'in-transit') entry.timer.cancel();
      if (entry.state !== 'in-job') this.workers.delete(id);
    }
  }

  private finishStream(stream: WorkerStream): void {
    void stream
      .send({ finished: { reason: 'training is over' } })
      .catch(() => undefined)
      .finally(() => stream.close('finished', 'training is over'));
  }
}
