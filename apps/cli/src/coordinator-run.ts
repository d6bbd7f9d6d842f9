/**
 * `kfkd coordinator`: the training run's data and net (as `kfkd train`
 * resolves them), the epoch table, and a Coordinator serving the workers.
 */
import { Coordinator, CoordinatorMetrics, CoordinatorStoppedError, type TlsFiles, completedRun, readCheckpointIdentity } from '@kfkd/coordinator';
import { preferThroughputGc, stderrLogger } from '@kfkd/runtime';
import { paramLayout, saveParameters, selectBackend } from '@kfkd/model';
import { selectCoordinatorBackend } from './coordinator-backend.ts';
import { secondsToMs } from './cluster-flags.ts';
import { type CoordinatorCredentialFlags, coordinatorCredentials } from './credentials.ts';
import { EXIT_COMPLETE, type ExitCode, interruptedExitCode } from './failure.ts';
import { serveMetrics } from './metrics-endpoint.ts';
import { RunReport } from './run-report.ts';
import type { Topology } from '@kfkd/coordinator';
import { onInterrupt, quitAtOnceHint } from './signals.ts';
import { type TrainingFlags, checkpointIdentity, defaultRunDir, loadTrainingInputs, runConfig, startingParameters } from './training-setup.ts';

/** The flags addCoordinatorFlags adds (commands/coordinator.ts), which `kfkd local` passes on to its coordinator. */
export interface CoordinatorServiceFlags {
  listen: string;
  minWorkers: number;
  stepTimeout: number;
  heartbeatTimeout: number;
  /** Where the coordinator serves its metrics ('off': nowhere); `kfkd local`'s workers get the next ports (metrics-endpoint.ts). */
  metricsListen: string;
  resumeFrom: 'latest' | 'previous';
  /** How training steps are summed: star, ring or auto (ring-plan.ts of the coordinator). */
  topology: Topology;
  /** Under --topology auto, rings from this many workers on. */
  ringMinWorkers: number;
}

/** The configuration line's fields of the service flags (`kfkd coordinator`, `kfkd pipeline`), in their order. */
export function serviceLogFields(
  flags: Pick<CoordinatorServiceFlags, 'listen' | 'minWorkers' | 'stepTimeout' | 'heartbeatTimeout' | 'metricsListen' | 'topology' | 'ringMinWorkers'>,
  tls: TlsFiles | null,
): Record<string, string | number> {
  return {
    listen: flags.listen,
    minWorkers: flags.minWorkers,
    stepTimeoutS: flags.stepTimeout,
    heartbeatTimeoutS: flags.heartbeatTimeout,
    topology: flags.topology === 'auto' ? `auto (ring from ${flags.ringMinWorkers} workers)` : flags.topology,
    tls: tls ? (tls.clientCa ? 'mtls' : 'tls') : 'off',
    metricsListen: flags.metricsListen,
  };
}

/** What `kfkd coordinator` is given (its flags: commands/coordinator.ts). */
export interface CoordinatorFlags extends TrainingFlags, CoordinatorCredentialFlags, CoordinatorServiceFlags {}

/** Trains to the end (exit 0), or stops on SIGINT/SIGTERM after a checkpoint (130/143). */
export async function runCoordinator(given: CoordinatorFlags): Promise<ExitCode> {
  preferThroughputGc();
  const flags = await withCheckpointEpochs(given);
  const inputs = await loadTrainingInputs(flags);
  const { spec, prepared } = inputs;
  const runDir = flags.runDir ?? defaultRunDir(spec);
  const identity = checkpointIdentity(flags, inputs);
  // A finished run started again (a restarted pod, the same command twice): done at once, nothing trained, saved or served.
  if (flags.resumeFrom === 'latest') {
    const finished = await completedRun(runDir, identity, spec.training.maxEpochs);
    if (finished) {
      if (!finished.modelSaved) {
        await selectBackend('cpu');
        await saveParameters(spec, finished.state.parameters, finished.modelDir);
      }
      const how = finished.reason === 'early-stopping' ? `early stopping ended it after epoch ${finished.state.history.length}` : `${finished.state.history.length} of ${spec.training.maxEpochs} epochs`;
      console.log(`the run in ${runDir} is already complete (${how}); nothing to do. Model: ${finished.modelDir}${finished.modelSaved ? '' : ' (saved now from the last checkpoint)'}`);
      return EXIT_COMPLETE;
    }
  }
  const log = stderrLogger('coordinator');
  await selectCoordinatorBackend(log);
  const parameters = await startingParameters(spec, flags, (line) => console.log(line));
  const { tls, tokens } = await coordinatorCredentials(flags, runDir, log);
  const config = { ...runConfig(flags, inputs), backend: 'distributed', device: 'workers', initFrom: flags.initFrom ?? null, spec };
  log.info('configuration', {
    net: spec.name,
    ...serviceLogFields(flags, tls),
    parameters: paramLayout(spec).size,
  });

  const report = new RunReport({ spec, dataFile: flags.data, prepared, runDir, distributed: true });
  report.banner();

  const metrics = new CoordinatorMetrics();
  const coordinator = new Coordinator({
    spec,
    data: prepared,
    parameters,
    seed: flags.seed,
    runDir,
    runConfig: config,
    identity,
    resumeFrom: flags.resumeFrom,
    listen: flags.listen,
    tokens,
    tls,
    minWorkers: flags.minWorkers,
    stepTimeoutMs: secondsToMs(flags.stepTimeout),
    heartbeatTimeoutMs: secondsToMs(flags.heartbeatTimeout),
    topology: flags.topology,
    ringMinWorkers: flags.ringMinWorkers,
    observers: [report.observer],
    log,
    metrics,
    onResume: (state) => report.resumed(state),
  });
  // Ready (/readyz and /healthz 200) while workers can join; /livez 200 while this event loop answers.
  const metricsServer = await serveMetrics(flags.metricsListen, metrics.registry, log, () => coordinator.state === 'running');
  const interruption = onInterrupt((signal) => {
    console.error(`\n${signal}: stopping after this step; a checkpoint is written and a restart with the same --run-dir resumes (${quitAtOnceHint(signal)} quits at once)`);
    coordinator.shutdown();
  });
  try {
    const { result, modelDir, alreadyFinished } = await coordinator.run();
    report.clearProgress();
    if (alreadyFinished) {
      console.log(`the run in ${runDir} is already complete; nothing to do. Model: ${modelDir}`);
      return EXIT_COMPLETE;
    }
    report.summary(result, modelDir);
    // Stopped by a signal before the end: not complete, whatever was saved.
    return result.stopReason === 'aborted' && interruption.signal ? interruptedExitCode(interruption.signal) : EXIT_COMPLETE;
  } catch (error) {
    if (error instanceof CoordinatorStoppedError && interruption.signal) {
      report.clearProgress();
      console.log(`\ninterrupted while waiting for workers; the last epoch's checkpoint in ${runDir} is kept`);
      return interruptedExitCode(interruption.signal);
    }
    throw error;
  } finally {
    interruption.dispose();
    await metricsServer?.close();
  }
}

/**
 * Without --epochs, a run directory's run goes on with the epochs it was
 * started with (not the net's default): a restarted pod resumes the run as
 * planned, and a finished one stays finished. More --epochs extend it.
 */
async function withCheckpointEpochs(flags: CoordinatorFlags): Promise<CoordinatorFlags> {
  if (flags.epochs !== undefined || !flags.runDir) return flags;
  const epochs = (await readCheckpointIdentity(flags.runDir))?.epochs;
  return typeof epochs === 'number' ? { ...flags, epochs } : flags;
}
