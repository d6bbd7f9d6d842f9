/**
 * A coordinator of several training jobs on one pool of workers: one gRPC
 * server, one JobRouter (job-router.ts) that assigns the workers to the
 * jobs (job-scheduler.ts) and routes their calls, and a TrainingJob per job
 * (training-job.ts: exactly what a run is, its own run directory,
 * checkpoints, seed and WorkerPool). Jobs can be added while others train
 * (runJob); close() says no more will come, so that the workers are told
 * training is over once the last one ends.
 *
 * States (every transition is logged):
 * - created:  constructed, start() not called yet
 * - running:  serving; jobs train as they are added
 * - stopping: stop() called: new joins refused, the server closing
 * - stopped:  stop() resolved
 *
 * Watch streams every job (pool-journal.ts): each job's journal, its
 * events named by the job, and the pool's status (jobs, placements).
 */
import type * as grpc from '@grpc/grpc-js';
import type { LogFields, Logger } from '@kfkd/runtime';
import type { TokenCheck } from './auth.ts';
import { type Clock, realClock } from './clock.ts';
import { JobRouter } from './job-router.ts';
import { PoolJournal } from './pool-journal.ts';
import { PredictionGate } from './prediction-gate.ts';
import type { WorkerPool } from './pool.ts';
import { type TlsFiles, serverCredentials, startServer, stopServer } from './server.ts';
import { CoordinatorService } from './service.ts';
import { SLOT_COUNT } from './sharding.ts';
import { type CoordinatorOutcome, type JobConfig, TrainingJob } from './training-job.ts';
import type { CoordinatorMetrics } from './metrics.ts';

export type PoolCoordinatorState = 'created' | 'running' | 'stopping' | 'stopped';

export interface PoolCoordinatorConfig {
  /** HOST:PORT; port 0 picks a free one. */
  readonly listen: string;
  readonly tokens: TokenCheck;
  /** null: plaintext (loopback and trusted networks only). */
  readonly tls: TlsFiles | null;
  readonly log: Logger;
  /** Transit timeouts of moved workers and every job's deadlines (default: the real clock). */
  readonly clock?: Clock;
  /**
   * Prometheus metrics of the pool (served by the caller), made with
   * `new CoordinatorMetrics(registry, { pool: true })`: each job's series
   * carry its name as JOB_LABEL, the server's have no job label.
   */
  readonly metrics?: CoordinatorMetrics;
  /** Told when the workers' placement (placement()) may have changed; called in the middle of the router's changes, so read it later. */
  readonly onPlacementChanged?: () => void;
}

/** A logger that adds `job` to every line, so that the jobs' lines can be told apart. */
export function jobLogger(log: Logger, job: string): Logger {
  const withJob = (fields?: LogFields): LogFields => ({ job, ...fields });
  return {
    debug: (m, f) => log.debug(m, withJob(f)),
    info: (m, f) => log.info(m, withJob(f)),
    warn: (m, f) => log.warn(m, withJob(f)),
    error: (m, f) => log.error(m, withJob(f)),
  };
}

export class PoolCoordinator {
  private currentState: PoolCoordinatorState = 'created';
  private readonly router: JobRouter;
  private readonly service: CoordinatorService;
  /** What Watch streams: every job and the pool's status. */
  readonly journal: PoolJournal;
  private readonly abort = new AbortController();
  /** The training jobs' pools, with their step timeouts. */
  private readonly pools = new Map<WorkerPool, number>();
  private server: grpc.Server | null = null;
  /** runJob() calls whose job is not in the router yet (loading its checkpoint). */
  private preparing = 0;
  private closeRequested = false;
  /** The jobs' sample predictions share the one event loop: one gate for all (prediction-gate.ts). */
  private readonly predictionGate = new PredictionGate(() => this.service.watched);

  constructor(private readonly config: PoolCoordinatorConfig) {
    if (config.metrics && !config.metrics.ofPool) throw new Error('PoolCoordinator: its metrics must be made for a pool: new CoordinatorMetrics(registry, { pool: true })');
    this.router = new JobRouter({ log: config.log, clock: config.clock, onPlacementChanged: () => {
        this.journal.statusChanged();
        config.onPlacementChanged?.();
      },
    });
    this.journal = new PoolJournal({ placements: () => this.router.placements() });
    this.service = new CoordinatorService(this.router, config.tokens, config.log, this.journal, config.metrics);
  }

  get state(): PoolCoordinatorState {
    return this.currentState;
  }

  /** Where each worker is: its job, 'parked', or '-> job' while moving. */
  placement(): Map<string, string> {
    return this.router.placement();
  }

  /** Binds the server; resolves with its port. */
  async start(): Promise<number> {
    if (this.currentState !== 'created') throw new Error(`start() called in state ${this.currentState}`);
    const { config, service } = this;
    const bound = await startServer(config.listen, await serverCredentials(config.tls), (s, sessions) => service.addToServer(s, sessions), {
      observer: config.metrics,
      interceptors: [service.interceptor()],
    });
    this.server = bound.server;
    config.metrics?.watchSessions(() => bound.sessions.counts());
    const host = config.listen.slice(0, config.listen.lastIndexOf(':'));
    config.log.info(`listening on ${host}:${bound.port}`, { tls: config.tls ? (config.tls.clientCa ? 'mtls' : 'tls') : 'off' });
    this.transition('running');
    return bound.port;
  }

  /**
   * Adds a job and trains it to its end on the pool's workers (its share
   * of them, see job-scheduler.ts); its workers then move to the other
   * jobs. A job whose run directory holds a finished run resolves at once,
   * as a run does. Stopped by shutdown(): checkpointed after the step in
   * flight, like a run.
   * @throws CoordinatorStoppedError when shut down while waiting for workers
   */
  async runJob(name: string, config: Omit<JobConfig, 'log' | 'clock' | 'metrics'>): Promise<CoordinatorOutcome> {
    if (this.currentState !== 'running') throw new Error(`runJob() called in state ${this.currentState}`);
    if (this.closeRequested) throw new Error('runJob() called after close()');
    const metrics = this.config.metrics?.job(name);
    const job = new TrainingJob({ ...config, log: jobLogger(this.config.log, name), clock: this.config.clock, metrics }, this.predictionGate);
    const minWorkers = config.minWorkers ?? 1;
    // A step's rows are dealt over SLOT_COUNT slots and its batch: more workers than either would idle.
    const maxWorkers = Math.min(SLOT_COUNT, config.spec.training.batchSize);
    // A job added before close() is still added when its checkpoint takes a while to load (see close()).
    this.preparing++;
    // Jobs added together (runJob() calls in one turn) are placed together, once all are in (JobRouter.hold()).
    const releasePlacements = this.router.hold();
    let prepared: Awaited<ReturnType<TrainingJob['prepare']>>;
    try {
      prepared = await job.prepare((options) => this.router.addJob(name, options, () => ({ remainingWork: job.remainingWork(), minWorkers, maxWorkers })));
    } finally {
      this.preparing--;
      releasePlacements();
      if (this.closeRequested && this.preparing === 0) this.router.close();
    }
    if ('finished' in prepared) {
      // Shown as it ended (a resumed pool's finished jobs stay on the dashboard), not trained again.
      this.journal.addJob(name, job.finishedJournal(prepared.finished), minWorkers);
      void this.config.metrics?.endJob(name);
      return job.alreadyFinished(prepared.finished.state, prepared.finished.reason);
    }
    const { pool } = prepared;
    this.journal.addJob(name, prepared.journal, minWorkers);
    this.pools.set(pool, job.stepTimeoutMs);
    const heartbeats = pool.watchHeartbeats();
    try {
      if (this.abort.signal.aborted) this.stopAfterStep(pool, job.stepTimeoutMs);
      const result = await job.train(this.abort.signal);
      const outcome = await job.finish(result);
      this.router.endJob(name);
      return outcome;
    } catch (error) {
      job.failed();
      this.router.endJob(name);
      throw error;
    } finally {
      heartbeats.cancel();
      this.pools.delete(pool);
      void this.config.metrics?.endJob(name);
    }
  }

  /**
   * No job will be added any more (runJob() calls made before this one
   * still add theirs): once the last one ends, the workers are told
   * training is over.
   */
  close(): void {
    this.closeRequested = true;
    if (this.preparing === 0) this.router.close();
  }

  /** Every job stops after its step in flight and checkpoints (runJob resolves with stopReason 'aborted'). */
  shutdown(): void {
    this.config.log.info('shutting down after the steps in flight');
    this.abort.abort();
    for (const [pool, stepTimeoutMs] of this.pools) this.stopAfterStep(pool, stepTimeoutMs);
  }

  /** Refuses new joins, ends every stream and closes the server. */
  async stop(): Promise<void> {
    if (this.currentState !== 'running') return;
    this.transition('stopping');
    this.service.stopAccepting();
    this.router.stop(this.abort.signal.aborted ? 'shutdown' : 'finished');
    this.journal.finish(this.abort.signal.aborted ? 'aborted' : 'completed');
    if (this.server) await stopServer(this.server);
    this.server = null;
    this.transition('stopped');
  }

  /** As Coordinator's: at once when no step can finish (no workers), else past one task deadline at the latest. */
  private stopAfterStep(pool: WorkerPool, stepTimeoutMs: number): void {
    if (pool.memberCount === 0) pool.stop('shutdown');
    (this.config.clock ?? realClock).schedule(stepTimeoutMs, () => pool.stop('shutdown'), { unref: true });
  }

  private transition(next: PoolCoordinatorState): void {
    this.config.log.info('pool state', { from: this.currentState, to: next });
    this.currentState = next;
  }
}
