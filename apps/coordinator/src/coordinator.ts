/**
 * The coordinator of a distributed run: serves workers and runs one
 * training job (training-job.ts: the tutorial's training loop with the
 * workers as its gradient source, checkpoints every epoch and on shutdown,
 * the final model) on them.
 *
 * States (every transition is logged):
 * - created:  constructed, run() not called yet
 * - starting: loading a checkpoint, binding the server
 * - running:  training (waiting for workers when there are too few)
 * - stopping: training over or shutdown() called; saving, telling workers
 *             (straight from starting when the checkpoint's run is already
 *             finished: no server, no training, see completed-run.ts)
 * - stopped:  run() resolved
 * - failed:   run() rejected (the first fatal error wins)
 */
import type * as grpc from '@grpc/grpc-js';
import type { TokenCheck } from './auth.ts';
import { type Clock, type Timer, realClock } from './clock.ts';
import { CoordinatorStoppedError } from './errors.ts';
import type { CoordinatorMetrics } from './metrics.ts';
import { WorkerPool } from './pool.ts';
import { type TlsFiles, serverCredentials, startServer, stopServer } from './server.ts';
import { PredictionGate } from './prediction-gate.ts';
import { CoordinatorService } from './service.ts';
import { type CoordinatorOutcome, type JobConfig, TrainingJob } from './training-job.ts';

export type { CoordinatorOutcome } from './training-job.ts';

export type CoordinatorState = 'created' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

/** A run's job (training-job.ts) and the server its workers join. */
export interface CoordinatorConfig extends JobConfig {
  /** HOST:PORT; port 0 picks a free one. */
  readonly listen: string;
  /** The tokens of the worker and viewer roles (see auth.ts). */
  readonly tokens: TokenCheck;
  /** null: plaintext (loopback and trusted networks only). */
  readonly tls: TlsFiles | null;
  /** Called once the server listens, with the bound port. */
  readonly onListening?: (port: number) => void;
  /** Prometheus metrics of the run and of its server (served by the caller). */
  readonly metrics?: CoordinatorMetrics;
}

export class Coordinator {
  private currentState: CoordinatorState = 'created';
  private readonly abort = new AbortController();
  private pool: WorkerPool | null = null;
  private readonly job: TrainingJob;
  private service: CoordinatorService | null = null;

  constructor(private readonly config: CoordinatorConfig) {
    this.job = new TrainingJob(config, new PredictionGate(() => this.service?.watched ?? false));
  }

  private get clock(): Clock {
    return this.config.clock ?? realClock;
  }

  private get stepTimeoutMs(): number {
    return this.job.stepTimeoutMs;
  }

  get state(): CoordinatorState {
    return this.currentState;
  }

  /** Trains to the end (or until shutdown()), then stops. */
  async run(): Promise<CoordinatorOutcome> {
    if (this.currentState !== 'created') throw new Error(`run() called in state ${this.currentState}`);
    this.transition('starting');
    let server: grpc.Server | null = null;
    let heartbeats: Timer | null = null;
    const { config, job } = this;
    try {
      const prepared = await job.prepare((options) => new WorkerPool(options));
      if ('finished' in prepared) {
        this.transition('stopping');
        const outcome = await job.alreadyFinished(prepared.finished.state, prepared.finished.reason);
        this.transition('stopped');
        return outcome;
      }
      const { pool, journal } = prepared;
      this.pool = pool;
      const service = new CoordinatorService(pool, config.tokens, config.log, journal, config.metrics);
      this.service = service;
      const bound = await startServer(config.listen, await serverCredentials(config.tls), (s, sessions) => service.addToServer(s, sessions), {
        observer: config.metrics,
        interceptors: [service.interceptor()],
      });
      server = bound.server;
      config.metrics?.watchSessions(() => bound.sessions.counts());
      const host = config.listen.slice(0, config.listen.lastIndexOf(':'));
      config.log.info(`listening on ${host}:${bound.port}`, { tls: config.tls ? (config.tls.clientCa ? 'mtls' : 'tls') : 'off' });
      config.onListening?.(bound.port);
      heartbeats = pool.watchHeartbeats();

      this.transition('running');
      // shutdown() during start-up: train() returns before its first step.
      if (this.abort.signal.aborted) this.stopPool(pool);
      const result = await job.train(this.abort.signal);
      this.transition('stopping');
      service.stopAccepting();
      const outcome = await job.finish(result);
      pool.stop(result.stopReason === 'aborted' ? 'shutdown' : 'finished');
      await stopServer(server);
      server = null;
      this.transition('stopped');
      return outcome;
    } catch (error) {
      job.failed();
      this.pool?.stop('shutdown');
      if (server) await stopServer(server, 0);
      // Stopped while waiting for workers: the last epoch's checkpoint stands.
      if (error instanceof CoordinatorStoppedError) this.config.log.info('stopped while waiting for workers; the last epoch checkpoint is kept');
      this.transition('failed');
      throw error;
    } finally {
      heartbeats?.cancel();
    }
  }

  /**
   * Stops after the step in flight, checkpoints and ends. Legal while
   * running; when no step can finish (no workers), stops at once.
   */
  shutdown(): void {
    if (this.currentState === 'created' || this.currentState === 'starting') {
      // A signal during start-up (loading the checkpoint, binding) must not be
      // lost: the run stops before its first step, once it is running.
      this.config.log.info('shutting down once started, before any step');
      this.abort.abort();
      return;
    }
    if (this.currentState !== 'running') {
      this.config.log.info('shutdown ignored', { state: this.currentState });
      return;
    }
    this.config.log.info('shutting down after the step in flight');
    this.abort.abort();
    this.stopPool(this.pool!);
  }

  /** After an abort: stops the pool at once when no step can finish (no workers), else past one task deadline at the latest. */
  private stopPool(pool: WorkerPool): void {
    if (pool.memberCount === 0) pool.stop('shutdown');
    // A step that cannot finish within a task deadline will not: stop anyway.
    this.clock.schedule(this.stepTimeoutMs, () => pool.stop('shutdown'), { unref: true });
  }

  private transition(next: CoordinatorState): void {
    this.config.log.info('coordinator state', { from: this.currentState, to: next });
    this.currentState = next;
  }
}
