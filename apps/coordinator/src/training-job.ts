/**
 * One training job: exactly what a distributed run is (its run directory,
 * checkpoints, history, seed, synchronous Nesterov steps through its own
 * WorkerPool), without the server. The Coordinator runs one on its own
 * server; a pool of several jobs (pool-coordinator.ts) runs each on a
 * WorkerPool of its JobRouter. Both go through prepare(), train() and
 * finish() below, so a job of a pool trains exactly as a run does.
 */
import { join } from 'node:path';
import {
  MODEL_DIR,
  RunDirectory,
  finishedBy,
  hyperparametersForEpoch,
  saveParameters,
  stepsPerEpoch,
  type NetSpec,
  type TrainerObserver,
  type TrainerState,
  type TrainingData,
  type TrainingResult,
  train,
} from '@kfkd/model';
import type { Logger } from '@kfkd/runtime';
import type { Clock } from './clock.ts';
import { isModelSaved } from './completed-run.ts';
import { type ResumeFrom, type RunIdentity, checkpointPath, loadCheckpoint, promotePreviousCheckpoint, saveCheckpoint } from './checkpoint.ts';
import { DEFAULT_HEARTBEAT_TIMEOUT_MS, DEFAULT_STEP_TIMEOUT_MS } from './defaults.ts';
import { CoordinatorConfigError } from './errors.ts';
import type { RunMetrics } from './metrics.ts';
import type { PoolOptions, WorkerPool } from './pool.ts';
import { RemoteGradientSource } from './remote-source.ts';
import { ValidationFaces } from './validation-faces.ts';
import type { PredictionGate } from './prediction-gate.ts';
import type { Topology } from './ring-plan.ts';
import { WatchJournal } from './watch-journal.ts';

export interface JobConfig {
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
  /** Prometheus metrics to report to (served by the caller): a run's CoordinatorMetrics, or a job's of a pool (CoordinatorMetrics.job()). */
  readonly metrics?: RunMetrics;
  /** Called before training when a checkpoint is resumed. */
  readonly onResume?: (state: TrainerState) => void;
  /** The Watch stream's sample predictions are recomputed every this many epochs (default 5; 0: never). */
  readonly predictEvery?: number;
  /** How training steps are summed (`--topology`, default 'star'; ring-plan.ts). */
  readonly topology?: Topology;
  /** Under topology 'auto', rings from this many workers on. */
  readonly ringMinWorkers?: number;
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

/** The checkpoint of a run that is over (every epoch done, or early stopping decided). */
export interface FinishedRun {
  readonly state: TrainerState;
  readonly reason: 'completed' | 'early-stopping';
}

/** A prepared job: its pool made, its history replayed, ready to train. */
export interface PreparedJob {
  readonly pool: WorkerPool;
  readonly journal: WatchJournal;
}

export class TrainingJob {
  private resume: TrainerState | null = null;
  private run: RunDirectory | null = null;
  private prepared: PreparedJob | null = null;
  private faces: ValidationFaces | null = null;
  /** Epochs done (resumed ones included): the remaining work the pool's scheduler sees. */
  private epochsDone = 0;

  /**
   * @param predictionGate when the Watch stream's sample predictions are
   *   made; one gate per coordinator, shared by its jobs
   */
  constructor(
    readonly config: JobConfig,
    private readonly predictionGate: PredictionGate,
  ) {}

  get stepTimeoutMs(): number {
    return this.config.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
  }

  get journal(): WatchJournal | null {
    return this.prepared?.journal ?? null;
  }

  /** Remaining epochs x training rows (the scheduler's measure of a job's remaining work). */
  remainingWork(): number {
    return Math.max(0, this.config.spec.training.maxEpochs - this.epochsDone) * this.config.data.train.rows;
  }

  /**
   * Loads the checkpoint to resume; when its run is finished, says so
   * (alreadyFinished() then gives the outcome) and makes nothing. Otherwise
   * creates the run directory, replays the history into it and the journal,
   * and makes the job's pool through `makePool`.
   */
  async prepare(makePool: (options: PoolOptions) => WorkerPool): Promise<PreparedJob | { readonly finished: FinishedRun }> {
    const { config } = this;
    const resume = await this.loadResumeState();
    this.resume = resume;
    this.epochsDone = resume?.history.length ?? 0;
    const finished = resume ? finishedBy(resume, config.spec.training.maxEpochs) : null;
    if (resume && finished) return { finished: { state: resume, reason: finished } };
    const run = await RunDirectory.create(config.runDir, config.runConfig);
    this.run = run;
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
    const pool = makePool({
      data: config.data,
      specJson: JSON.stringify(config.spec),
      parameterCount: config.parameters.length,
      minWorkers: config.minWorkers ?? 1,
      stepTimeoutMs: this.stepTimeoutMs,
      heartbeatTimeoutMs: config.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS,
      ...(config.topology ? { topology: config.topology } : {}),
      ...(config.ringMinWorkers ? { ringMinWorkers: config.ringMinWorkers } : {}),
      log: config.log,
      clock: config.clock,
      observers: [
        ...(config.metrics ? [config.metrics] : []),
        {
          workerChanged: (m) => journal.worker(m),
          workerLeft: (r) => journal.workerGone(r),
          taskDone: (done) => journal.taskDone(done.member, done.rows, done.seconds),
          ringRoundDone: (round) => {
            // The Ring card shows how the gradient travels; a validation round's hops carry no gradient.
            if (round.part === 'train') journal.ringRound(round);
          },
        },
      ],
    });
    this.prepared = { pool, journal };
    config.metrics?.watchMembers(() => pool.currentMembers());
    return this.prepared;
  }

  /** Trains from where prepare() left it until the end, early stopping or `signal`. */
  async train(signal: AbortSignal): Promise<TrainingResult> {
    const { config } = this;
    const { pool, journal } = this.prepared!;
    const run = this.run!;
    const checkpoints: TrainerObserver = {
      // One line per applied step: the record that shows no step was skipped or applied twice.
      onStep: ({ epoch, step, stepLoss }) => config.log.debug('step applied', { epoch, step, loss: stepLoss, workers: pool.activeCount, generation: pool.generation }),
      onEpoch: async (record, state) => {
        await run.appendEpoch(record);
        await saveCheckpoint(config.runDir, config.identity, state());
        this.epochsDone = record.epoch;
      },
    };
    try {
      return await train({
        spec: config.spec,
        source: new RemoteGradientSource(pool, config.parameters.length, config.data.valid.rows, config.metrics),
        trainRows: config.data.train.rows,
        parameters: config.parameters,
        seed: config.seed,
        resume: this.resume ?? undefined,
        observers: [
          ...(config.metrics ? [config.metrics.observer(config.spec)] : []),
          checkpoints,
          journal.trainerObserver(),
          this.predictionsObserver(journal),
          ...(config.observers ?? []),
        ],
        signal,
      });
    } finally {
      this.faces?.dispose();
      this.faces = null;
    }
  }

  /** After train(): the checkpoint when stopped early, the model, the journal's end. Returns the model's directory. */
  async finish(result: TrainingResult): Promise<CoordinatorOutcome> {
    const { config } = this;
    if (result.stopReason === 'aborted') {
      await saveCheckpoint(config.runDir, config.identity, result.state);
      config.log.info('checkpoint saved', { epoch: result.state.epoch, step: result.state.step });
    }
    const modelDir = await this.run!.saveModel(config.spec, result.parameters);
    this.prepared!.journal.finish(result.stopReason);
    return { result, resumedFrom: this.resume, modelDir, alreadyFinished: false };
  }

  /** The job failed: the journal says so, and the faces' tensors are freed. */
  failed(): void {
    this.prepared?.journal.finish('failed');
    this.faces?.dispose();
    this.faces = null;
  }

  /** The outcome of a run directory whose run is over (prepare() said so): saves the model only if it is missing (a crash after the last checkpoint). */
  async alreadyFinished(state: TrainerState, reason: 'completed' | 'early-stopping'): Promise<CoordinatorOutcome> {
    const { config } = this;
    const modelDir = join(config.runDir, MODEL_DIR);
    config.log.info('the run is already finished; nothing to train', { reason, epochs: state.history.length, runDir: config.runDir });
    if (!(await isModelSaved(modelDir))) {
      await saveParameters(config.spec, state.parameters, modelDir);
      config.log.info('saved the missing model from the last checkpoint', { modelDir });
    }
    const bestEpoch = state.earlyStopping ? state.earlyStopping.bestEpoch : null;
    return { result: { history: state.history, parameters: state.parameters, stopReason: reason, bestEpoch, state }, resumedFrom: state, modelDir, alreadyFinished: true };
  }

  /** The Watch journal of a run that was already finished (prepare() said so): its history and its end, for a pool's viewers. */
  finishedJournal(finished: FinishedRun): WatchJournal {
    const journal = this.watchJournal();
    for (const record of finished.state.history) journal.epoch(record);
    journal.finish(finished.reason);
    return journal;
  }

  private watchJournal(): WatchJournal {
    const { spec, data, parameters, identity } = this.config;
    return new WatchJournal({
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
  }

  /**
   * Sample predictions for the journal: every few epochs while a dashboard
   * watches (at the first epoch end after one connects, too), within the
   * coordinator's budget for them (prediction-gate.ts), and always at the
   * last epoch, so that a finished job keeps its faces for whoever looks
   * later (a pool's dashboard shows its finished jobs).
   */
  private predictionsObserver(journal: WatchJournal): TrainerObserver {
    const every = this.config.predictEvery ?? 5;
    const faces = new ValidationFaces(this.config.spec, this.config.data.valid);
    this.faces = faces;
    // An epoch that was due passed without predictions: the next open gate makes them.
    let owed = false;
    return {
      onEpoch: (record, state) => {
        if (every <= 0) return;
        const last = record.epoch === this.config.spec.training.maxEpochs;
        owed ||= record.epoch % every === 0 || record.epoch === 1;
        if (!last && !(owed && this.predictionGate.open())) return;
        owed = false;
        journal.predictions(record.epoch, this.predictionGate.spend(() => faces.predict(state().parameters)));
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
}
