/**
 * `kfkd pipeline`: the tutorial's final result on one pool of workers. A
 * PoolCoordinator serves the workers and runs, each as a job that is
 * exactly a run of `kfkd coordinator` (its own run directory under
 * --run-dir, checkpoints, history, seed):
 *  1. the general net (`general/`), with all the workers;
 *  2. the six specialists of the tutorial's table (`specialist-1/` ..
 *     `specialist-6/`), side by side, each started from the general net's
 *     weights wherever shapes match (as `--init-from` does);
 *  3. the merge, in this process: `kfkd predict`'s runPrediction with the
 *     six specialists and the general net as the fallback.
 * Stopped by SIGINT/SIGTERM, every running job checkpoints after its step
 * in flight (exit 130/143); the same command again resumes each job where
 * it stood, and a finished job (the general net included) is not trained
 * again.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { type CoordinatorOutcome, CoordinatorMetrics, CoordinatorStoppedError, PoolCoordinator } from '@kfkd/coordinator';
import { readTrainingCsv, type KeypointDataset } from '@kfkd/data';
import { SPECIALIST_GROUPS } from '@kfkd/model';
import { selectCoordinatorBackend } from './coordinator-backend.ts';
import type { BackendChoice } from '@kfkd/model/backend-choice';
import { createRegistry } from '@kfkd/metrics';
import { preferThroughputGc, stderrLogger } from '@kfkd/runtime';
import { secondsToMs } from './cluster-flags.ts';
import { type CoordinatorServiceFlags, serviceLogFields } from './coordinator-run.ts';
import { type CoordinatorCredentialFlags, coordinatorCredentials } from './credentials.ts';
import { EXIT_COMPLETE, type ExitCode, UsageError, interruptedExitCode } from './failure.ts';
import { serveMetrics } from './metrics-endpoint.ts';
import { PoolReport } from './pool-report.ts';
import { runPrediction } from './prediction-run.ts';
import { onInterrupt, quitAtOnceHint } from './signals.ts';
import { checkpointIdentity, runConfig, startingParameters, trainingInputsOf } from './training-setup.ts';

/** What `kfkd pipeline` is given (its flags: commands/pipeline.ts). */
export interface PipelineFlags extends CoordinatorCredentialFlags, Omit<CoordinatorServiceFlags, 'resumeFrom'> {
  /** The general net; the specialists are `<net>-specialist-<1..6>`. */
  net: string;
  data: string;
  /** The general net's epochs (default: the net's own). */
  epochs?: number;
  /** Each specialist's epochs (default: int(4e6 / its training rows)). */
  specialistEpochs?: number;
  batch: number;
  seed: number;
  runDir: string;
  /** The file the merged models predict (Kaggle test.csv, or any Kaggle-format file); without it, no merge. */
  test?: string;
  out?: string;
  lookup?: string;
  submission?: string;
  grid?: string;
  /** The merge's backend (and, with --local-workers, the workers'). */
  backend: BackendChoice;
}

/** A job of the pipeline: its name (and folder under --run-dir) and net. */
export interface PipelineJob {
  readonly name: string;
  readonly net: string;
}

export const GENERAL_JOB = 'general';

/** The general net's job, then one per specialist of the tutorial's table, in its order. */
export function pipelineJobs(net: string): { readonly general: PipelineJob; readonly specialists: readonly PipelineJob[] } {
  return {
    general: { name: GENERAL_JOB, net },
    specialists: SPECIALIST_GROUPS.map((g) => ({ name: `specialist-${g.index}`, net: `${net}-specialist-${g.index}` })),
  };
}

/** Where the merge writes, with --run-dir's defaults. */
function mergeOutputs(flags: PipelineFlags): { out: string; grid: string; submission?: string } {
  return {
    out: flags.out ?? join(flags.runDir, 'predictions.csv'),
    grid: flags.grid ?? join(flags.runDir, 'faces.png'),
    submission: flags.lookup ? (flags.submission ?? join(flags.runDir, 'submission.csv')) : undefined,
  };
}

/** Trains every job and merges (exit 0), or stops on SIGINT/SIGTERM after the jobs checkpoint (130/143). */
export async function runPipeline(flags: PipelineFlags): Promise<ExitCode> {
  preferThroughputGc();
  if (flags.submission && !flags.lookup) throw new UsageError('--submission needs --lookup (the IdLookupTable.csv that says which keypoints to submit)');
  if ((flags.lookup || flags.out || flags.submission || flags.grid) && !flags.test) throw new UsageError('--out, --grid, --lookup and --submission are outputs of the merge: give --test FILE, the faces to predict');
  // Files the merge needs are checked before hours of training, not after.
  for (const [flag, file] of [['--test', flags.test], ['--lookup', flags.lookup]] as const) {
    if (file) await access(file).catch((error: NodeJS.ErrnoException) => Promise.reject(new UsageError(`${flag} ${file}: cannot read it (${error.code ?? error.message})`)));
  }
  const data = await readTrainingCsv(flags.data);
  const log = stderrLogger('pipeline');
  await selectCoordinatorBackend(log);
  const { tls, tokens } = await coordinatorCredentials(flags, flags.runDir, log);
  const jobs = pipelineJobs(flags.net);
  log.info('configuration', {
    net: flags.net,
    runDir: flags.runDir,
    ...serviceLogFields(flags, tls),
  });
  const report = new PoolReport([jobs.general, ...jobs.specialists].map((j) => j.name));
  // Every job's training series carry a training_job label (apps/coordinator README, "Metrics").
  const metrics = new CoordinatorMetrics(createRegistry(), { pool: true });
  let placementQueued = false;
  const pool = new PoolCoordinator({
    listen: flags.listen,
    tokens,
    tls,
    log,
    metrics,
    // One report per turn of the event loop, once the router's change is whole.
    onPlacementChanged: () => {
      if (placementQueued) return;
      placementQueued = true;
      setImmediate(() => {
        placementQueued = false;
        report.placement(pool.placement());
      });
    },
  });
  const metricsServer = await serveMetrics(flags.metricsListen, metrics.registry, log, () => pool.state === 'running');
  const interruption = onInterrupt((signal) => {
    console.error(`\n${signal}: every job stops after its step in flight and checkpoints; the same command again resumes (${quitAtOnceHint(signal)} quits at once)`);
    pool.shutdown();
  });
  const started = performance.now();
  const phases: string[] = [];
  const phase = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const from = performance.now();
    const result = await work();
    phases.push(`${name} ${((performance.now() - from) / 1000).toFixed(1)} s`);
    return result;
  };
  let trained = false;
  try {
    await pool.start();
    const ready = (job: PipelineJob, epochs: number | undefined, initFrom?: string) => readyJob(pool, report, flags, data, job, epochs, initFrom);
    const general = await phase('general net', async () => (await ready(jobs.general, flags.epochs)).run());
    if (general === 'interrupted') return interruptedExitCode(interruption.signal ?? 'SIGTERM');
    const specialists = await phase('specialists', async () => {
      const six = await Promise.all(jobs.specialists.map((job) => ready(job, flags.specialistEpochs, general)));
      const runs = six.map((job) => job.run());
      // Closed once all six are added: when the last one ends, its workers are told training is over instead of being moved.
      pool.close();
      return Promise.all(runs);
    });
    if (specialists.includes('interrupted')) return interruptedExitCode(interruption.signal ?? 'SIGTERM');
    trained = true;
  } finally {
    report.placement(pool.placement());
    // Workers still connected are told training is over, or that the coordinator stops.
    await pool.stop();
    await metricsServer?.close();
    interruption.dispose();
  }
  if (!trained) return EXIT_COMPLETE;
  const models = jobs.specialists.map((j) => join(flags.runDir, j.name));
  const general = join(flags.runDir, GENERAL_JOB);
  if (flags.test) {
    const outputs = mergeOutputs(flags);
    console.log(`merging the six specialists, with the general net for any other column, on ${flags.test}`);
    await phase('merge', () => runPrediction({ model: models, fallback: general, data: flags.test!, backend: flags.backend, lookup: flags.lookup, ...outputs }));
  } else {
    console.log(`no --test: nothing merged. The models: kfkd predict --model ${models.join(' ')} --fallback ${general} --data test.csv ...`);
  }
  console.log(`pipeline complete in ${((performance.now() - started) / 1000).toFixed(1)} s: ${phases.join(', ')}`);
  return EXIT_COMPLETE;
}

/** A job ready to be added to the pool: run() adds it at once (before its first await) and trains it to its end. */
interface ReadyJob {
  /** Resolves with the directory of its model, or 'interrupted' (checkpointed, or stopped while it waited for workers). */
  run(): Promise<string | 'interrupted'>;
}

/**
 * One job of the pool: its data and net resolved as `kfkd coordinator`
 * does, its initial parameters (`initFrom`: a saved model to start from,
 * as --init-from), and how it runs, resumed from its run directory's
 * checkpoint when there is one.
 */
async function readyJob(
  pool: PoolCoordinator,
  report: PoolReport,
  flags: PipelineFlags,
  data: KeypointDataset,
  job: PipelineJob,
  epochs: number | undefined,
  initFrom?: string,
): Promise<ReadyJob> {
  const runDir = join(flags.runDir, job.name);
  const jobFlags = { net: job.net, data: flags.data, epochs, batch: flags.batch, seed: flags.seed, runDir, initFrom };
  const inputs = trainingInputsOf(data, jobFlags);
  const { spec, prepared } = inputs;
  report.started(job.name, { spec, prepared, runDir });
  const parameters = await startingParameters(spec, jobFlags, (line) => report.line(job.name, line));
  const running = (): Promise<CoordinatorOutcome> =>
    pool.runJob(job.name, {
      spec,
      data: prepared,
      parameters,
      seed: flags.seed,
      runDir,
      runConfig: { ...runConfig(jobFlags, inputs), backend: 'distributed', device: 'workers', initFrom: initFrom ?? null, pipelineJob: job.name, spec },
      identity: checkpointIdentity(jobFlags, inputs),
      minWorkers: flags.minWorkers,
      stepTimeoutMs: secondsToMs(flags.stepTimeout),
      heartbeatTimeoutMs: secondsToMs(flags.heartbeatTimeout),
      topology: flags.topology,
      ringMinWorkers: flags.ringMinWorkers,
      observers: [report.observer(job.name)],
      onResume: (state) => report.resumed(job.name, state),
    });
  return {
    async run() {
      let outcome: CoordinatorOutcome;
      try {
        outcome = await running();
      } catch (error) {
        if (!(error instanceof CoordinatorStoppedError)) throw error;
        report.stoppedWaiting(job.name);
        return 'interrupted';
      }
      const { result, modelDir, alreadyFinished } = outcome;
      if (alreadyFinished) report.alreadyFinished(job.name, result.history.length, modelDir);
      else report.ended(job.name, result, spec.training.maxEpochs, modelDir);
      return result.stopReason === 'aborted' ? 'interrupted' : runDir;
    },
  };
}
