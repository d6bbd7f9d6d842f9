/**
 * The coordinator of a distributed run: serves workers, runs the tutorial's
 * training loop (train()) with the workers as its gradient source,
 * checkpoints every epoch and on shutdown, and saves the final model.
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
import { join } from 'node:path';
import { MODEL_DIR, RunDirectory, finishedBy, hyperparametersForEpoch, saveParameters, stepsPerEpoch, type NetSpec, type TrainerObserver, type TrainerState, type TrainingData, type TrainingResult, train } from '@kfkd/model';
import type { TokenCheck } from './auth.ts';
import { type Clock, type Timer, realClock } from './clock.ts';
import { isModelSaved } from './completed-run.ts';
import { type ResumeFrom, type RunIdentity, checkpointPath, loadCheckpoint, promotePreviousCheckpoint, saveCheckpoint } from './checkpoint.ts';
import { DEFAULT_HEARTBEAT_TIMEOUT_MS, DEFAULT_STEP_TIMEOUT_MS } from './defaults.ts';
import { CoordinatorConfigError, CoordinatorStoppedError } from './errors.ts';
import type { Logger } from '@kfkd/runtime';
import type { CoordinatorMetrics } from './metrics.ts';
import { WorkerPool } from './pool.ts';
import { RemoteGradientSource } from './remote-source.ts';
import { type TlsFiles, serverCredentials, startServer, stopServer } from './server.ts';
import { CoordinatorService } from './service.ts';
import { ValidationFaces } from './validation-faces.ts';
import { WatchJournal } from './watch-journal.ts';

export type CoordinatorState = 'created' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

export interface CoordinatorConfig {
  /** The net, with its training settings resolved (epochs, batch size, schedules). */
  readonly spec: NetSpec;
  readonly data: TrainingData;
  /** Initial parameters (ignored when a checkpoint is resumed). */
  readonly parameters: Float32Array;
  /** Seed of flips and dropout, as for `kfkd train`. */
  readonly seed: number;
  readonly runDir: string;
  /** Written to config.json. */
  readonly runConfig: Readonly<Record<string, unknown>>;
  /** Settings a checkpoint must share to be resumed (see EXTENDABLE_FIELDS for those that may grow). */
  readonly identity: RunIdentity;
  /**
   * Which checkpoint of the run directory to resume (default 'latest').
   * 'previous' resumes `checkpoint.kfkd.prev` and sets the current file aside;
   * there is no silent fallback: a corrupt current checkpoint stops the run.
   */
  readonly resumeFrom?: ResumeFrom;
  /** HOST:PORT; port 0 picks a free one. */
  readonly listen: string;
  /** The tokens of the worker and viewer roles (see auth.ts). */
  readonly tokens: TokenCheck;
  /** null: plaintext (loopback and trusted networks only). */
  readonly tls: TlsFiles | null;
  /** Training waits while fewer workers are connected (default 1). */
  readonly minWorkers?: number;
  /** A task not answered within this time drops its worker (`--step-timeout`; default DEFAULT_STEP_TIMEOUT_MS, 120 s). */
  readonly stepTimeoutMs?: number;
  /** An idle worker silent for this long is dropped (default DEFAULT_HEARTBEAT_TIMEOUT_MS, 30 s). */
  readonly heartbeatTimeoutMs?: number;
  /** Task deadlines, heartbeat checks and the shutdown timer (default: the real clock). */
  readonly clock?: Clock;
  readonly observers?: readonly TrainerObserver[];
  readonly log: Logger;
  /** Prometheus metrics to report to (served by the caller). */
  readonly metrics?: CoordinatorMetrics;
  /** Called once the server listens, with the bound port. */
  readonly onListening?: (port: number) => void;
  /** Called before training when a checkpoint is resumed. */
  readonly onResume?: (state: TrainerState) => void;
  /** The Watch stream's sample predictions are recomputed every this many epochs (default 5; 0: never). */
  readonly predictEvery?: number;
}

export interface CoordinatorOutcome {
  readonly result: TrainingResult;
  readonly resumedFrom: TrainerState | null;
  readonly modelDir: string;
  /**
   * True when the run directory's run was already finished: nothing was
   * trained, no worker was served, and the model was left as it was (saved
   * only if missing).
   */
  readonly alreadyFinished: boolean;
}

export class Coordinator {
  private currentState: CoordinatorState = 'created';
  private readonly abort = new AbortController();
  private pool: WorkerPool | null = null;
  private journal: WatchJournal | null = null;
  private faces: ValidationFaces | null = null;

  constructor(private readonly config: CoordinatorConfig) {}

  private get clock(): Clock {
    return this.config.clock ?? realClock;
  }

  private get stepTimeoutMs(): number {
    return this.config.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
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
    try {
      const { config } = this;
      const resume = await this.loadResumeState();
      const finished = resume ? finishedBy(resume, config.spec.training.maxEpochs) : null;
      if (resume && finished) return await this.alreadyFinished(resume, finished);
      const run = await RunDirectory.create(config.runDir, config.runConfig);
      const journal = this.watchJournal();
      if (resume) {
        for (const record of resume.history) {
          await run.appendEpoch(record);
          journal.epoch(record);
        }
        config.log.info('resuming from checkpoint', { epoch: resume.epoch, step: resume.step, runDir: config.runDir });
        config.metrics?.resumed(resume);
        config.onResume?.(resume);
      }
      const pool = new WorkerPool({
        data: config.data,
        specJson: JSON.stringify(config.spec),
        parameterCount: config.parameters.length,
        minWorkers: config.minWorkers ?? 1,
        stepTimeoutMs: this.stepTimeoutMs,
        heartbeatTimeoutMs: config.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS,
        log: config.log,
        clock: this.clock,
        observers: [
          ...(config.metrics ? [config.metrics] : []),
          { workerChanged: (m) => journal.worker(m), workerLeft: (r) => journal.workerGone(r), taskDone: (done) => journal.taskDone(done.member, done.rows, done.seconds) },
        ],
      });
      this.pool = pool;
      config.metrics?.watchMembers(() => pool.currentMembers());
      const service = new CoordinatorService(pool, config.tokens, config.log, journal, config.metrics);
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
      const checkpoints: TrainerObserver = {
        // One line per applied step: the record that shows no step was skipped or applied twice.
        onStep: ({ epoch, step, stepLoss }) => config.log.debug('step applied', { epoch, step, loss: stepLoss, workers: pool.activeCount, generation: pool.generation }),
        onEpoch: async (record, state) => {
          await run.appendEpoch(record);
          await saveCheckpoint(config.runDir, config.identity, state());
        },
      };
      const result = await train({
        spec: config.spec,
        source: new RemoteGradientSource(pool, config.parameters.length, config.data.valid.rows, config.metrics),
        trainRows: config.data.train.rows,
        parameters: config.parameters,
        seed: config.seed,
        resume: resume ?? undefined,
        observers: [
          ...(config.metrics ? [config.metrics.observer(config.spec)] : []),
          checkpoints,
          journal.trainerObserver(),
          this.predictionsObserver(journal),
          ...(config.observers ?? []),
        ],
        signal: this.abort.signal,
      });
      this.transition('stopping');
      service.stopAccepting();
      if (result.stopReason === 'aborted') {
        await saveCheckpoint(config.runDir, config.identity, result.state);
        config.log.info('checkpoint saved', { epoch: result.state.epoch, step: result.state.step });
      }
      const modelDir = await run.saveModel(config.spec, result.parameters);
      journal.finish(result.stopReason);
      pool.stop(result.stopReason === 'aborted' ? 'shutdown' : 'finished');
      await stopServer(server);
      server = null;
      this.transition('stopped');
      return { result, resumedFrom: resume, modelDir, alreadyFinished: false };
    } catch (error) {
      this.journal?.finish('failed');
      this.pool?.stop('shutdown');
      if (server) await stopServer(server, 0);
      // Stopped while waiting for workers: the last epoch's checkpoint stands.
      if (error instanceof CoordinatorStoppedError) this.config.log.info('stopped while waiting for workers; the last epoch checkpoint is kept');
      this.transition('failed');
      throw error;
    } finally {
      heartbeats?.cancel();
      this.faces?.dispose();
    }
  }

  /** The outcome of a run directory whose run is over: saves the model only if it is missing (a crash after the last checkpoint). */
  private async alreadyFinished(state: TrainerState, reason: 'completed' | 'early-stopping'): Promise<CoordinatorOutcome> {
    const { config } = this;
    this.transition('stopping');
    const modelDir = join(config.runDir, MODEL_DIR);
    config.log.info('the run is already finished; nothing to train', { reason, epochs: state.history.length, runDir: config.runDir });
    if (!(await isModelSaved(modelDir))) {
      await saveParameters(config.spec, state.parameters, modelDir);
      config.log.info('saved the missing model from the last checkpoint', { modelDir });
    }
    this.transition('stopped');
    const bestEpoch = state.earlyStopping ? state.earlyStopping.bestEpoch : null;
    return { result: { history: state.history, parameters: state.parameters, stopReason: reason, bestEpoch, state }, resumedFrom: state, modelDir, alreadyFinished: true };
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

  private watchJournal(): WatchJournal {
    const { spec, data, parameters, identity } = this.config;
    this.journal = new WatchJournal({
      run: {
        net: spec.name,
        data: String(identity.data ?? ''),
        trainRows: data.train.rows,
        validRows: data.valid.rows,
        batchSize: spec.training.batchSize,
        maxEpochs: spec.training.maxEpochs,
        stepsPerEpoch: stepsPerEpoch(data.train.rows, spec.training.batchSize),
        parameterCount: parameters.length,
        flip: spec.training.flip,
        startedAtMs: Date.now(),
      },
      hyperparameters: (epoch) => hyperparametersForEpoch(spec, epoch),
    });
    return this.journal;
  }

  /**
   * Sample predictions for the journal every few epochs and at the last one.
   * They run on the coordinator's (slow, pure-JS) backend and hold up the
   * step loop, so they are skipped until 10x the last one's cost has passed:
   * at most ~10% of the training time even for the big nets.
   */
  private predictionsObserver(journal: WatchJournal): TrainerObserver {
    const every = this.config.predictEvery ?? 5;
    const faces = new ValidationFaces(this.config.spec, this.config.data.valid);
    this.faces = faces;
    let notBefore = 0;
    return {
      onEpoch: (record, state) => {
        const due = record.epoch % every === 0 || record.epoch === 1 || record.epoch === this.config.spec.training.maxEpochs;
        if (every <= 0 || !due || performance.now() < notBefore) return;
        const started = performance.now();
        journal.predictions(record.epoch, faces.predict(state().parameters));
        notBefore = performance.now() + 10 * (performance.now() - started);
      },
    };
  }

  private async loadResumeState(): Promise<TrainerState | null> {
    const { runDir, identity, resumeFrom = 'latest', log } = this.config;
    const state = await loadCheckpoint(runDir, identity, resumeFrom);
    if (resumeFrom === 'latest') return state;
    if (!state) throw new CoordinatorConfigError(`--resume-from previous: there is no previous checkpoint ${checkpointPath(runDir)}.prev`);
    const aside = await promotePreviousCheckpoint(runDir);
    log.warn('resuming from the previous checkpoint; the current one is set aside', { setAside: aside, epoch: state.epoch, step: state.step });
    return state;
  }

  private transition(next: CoordinatorState): void {
    this.config.log.info('coordinator state', { from: this.currentState, to: next });
    this.currentState = next;
  }
}
