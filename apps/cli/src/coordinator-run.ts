/**
 * `kfkd coordinator`: the training run's data and net (as `kfkd train`
 * resolves them), the epoch table, and a Coordinator serving the workers.
 */
import { Coordinator, CoordinatorMetrics, CoordinatorStoppedError, completedRun, readCheckpointIdentity } from '@kfkd/coordinator';
import { preferThroughputGc, stderrLogger } from '@kfkd/runtime';
import { EPOCH_TABLE_HEADER, epochTableRow, meanPredictorLoss, paramLayout, rmsePx, saveParameters, selectBackend, type TrainerObserver } from '@kfkd/model';
import { secondsToMs } from './cluster-flags.ts';
import type { CoordinatorFlags } from './commands/coordinator.ts';
import { coordinatorCredentials } from './credentials.ts';
import { EXIT_COMPLETE, type ExitCode, interruptedExitCode } from './failure.ts';
import { serveMetrics } from './metrics-endpoint.ts';
import { progressLine } from './progress.ts';
import { onInterrupt } from './signals.ts';
import { defaultRunDir, loadTrainingInputs, runConfig, startingParameters } from './training-setup.ts';

/** Trains to the end (exit 0), or stops on SIGINT/SIGTERM after a checkpoint (130/143). */
export async function runCoordinator(given: CoordinatorFlags): Promise<ExitCode> {
  preferThroughputGc();
  const flags = await withCheckpointEpochs(given);
  const inputs = await loadTrainingInputs(flags);
  const { data, spec, prepared } = inputs;
  const runDir = flags.runDir ?? defaultRunDir(spec);
  const identity = { net: spec.name, data: flags.data, dataRows: data.rows, seed: flags.seed, epochs: spec.training.maxEpochs, batchSize: spec.training.batchSize, parameters: paramLayout(spec).size };
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
  // The coordinator computes nothing; tfjs only writes the final model.
  await selectBackend('cpu');
  const parameters = await startingParameters(spec, flags, (line) => console.log(line));
  const log = stderrLogger('coordinator');
  const { tls, tokens } = await coordinatorCredentials(flags, runDir, log);
  const config = { ...runConfig(flags, inputs), backend: 'distributed', device: 'workers', initFrom: flags.initFrom ?? null, spec };
  log.info('configuration', {
    net: spec.name,
    listen: flags.listen,
    minWorkers: flags.minWorkers,
    stepTimeoutS: flags.stepTimeout,
    heartbeatTimeoutS: flags.heartbeatTimeout,
    tls: tls ? (tls.clientCa ? 'mtls' : 'tls') : 'off',
    metricsListen: flags.metricsListen,
    parameters: paramLayout(spec).size,
  });

  const baseline = rmsePx(meanPredictorLoss(prepared));
  console.log(
    `training ${spec.name} on ${flags.data}: ${prepared.train.rows} train / ${prepared.valid.rows} valid rows ` +
      `(of ${data.rows}; rows missing any of the net's ${spec.columns.length} columns are dropped), ` +
      `${spec.training.maxEpochs} epochs, batch ${spec.training.batchSize}${spec.training.flip ? ', flips' : ''}, distributed`,
  );
  console.log(`run directory: ${runDir}\n`);

  const progress = progressLine(process.stderr);
  let headerShown = false;
  const showHeader = (): void => {
    if (!headerShown) console.log(EPOCH_TABLE_HEADER);
    headerShown = true;
  };
  const table: TrainerObserver = {
    onStep: ({ epoch, step, steps, stepLoss }) => progress.update(`epoch ${epoch}: step ${step + 1}/${steps}, batch loss ${stepLoss.toFixed(6)}`),
    onEpoch: (record) => {
      progress.clear();
      showHeader();
      console.log(epochTableRow(record));
    },
  };
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
    observers: [table],
    log,
    metrics,
    onResume: (state) => {
      console.log(`resuming from the checkpoint in ${runDir}: epoch ${state.epoch}, step ${state.step}`);
      if (state.history.length > 0) showHeader();
      for (const record of state.history) console.log(epochTableRow(record));
    },
  });
  // Ready (/readyz and /healthz 200) while workers can join; /livez 200 while this event loop answers.
  const metricsServer = await serveMetrics(flags.metricsListen, metrics.registry, log, () => coordinator.state === 'running');
  const interruption = onInterrupt((signal) => {
    console.error(`\n${signal}: stopping after this step; a checkpoint is written and a restart with the same --run-dir resumes (${signal === 'SIGINT' ? 'Ctrl-C again' : 'a second signal'} quits at once)`);
    coordinator.shutdown();
  });
  try {
    const { result, modelDir, alreadyFinished } = await coordinator.run();
    progress.clear();
    if (alreadyFinished) {
      console.log(`the run in ${runDir} is already complete; nothing to do. Model: ${modelDir}`);
      return EXIT_COMPLETE;
    }
    const last = result.history.at(-1);
    console.log('');
    if (result.stopReason === 'early-stopping') console.log(`early stopping: best valid loss at epoch ${result.bestEpoch}, its weights restored`);
    if (result.stopReason === 'aborted') console.log(`interrupted after ${result.history.length} complete epochs; checkpoint saved in ${runDir}`);
    if (last) {
      const final = result.stopReason === 'early-stopping' ? result.history[result.bestEpoch! - 1] : last;
      console.log(`valid RMSE ${final.validRmsePx.toFixed(3)} px (mean-keypoint predictor: ${baseline.toFixed(3)} px)`);
    }
    console.log(`saved model to ${modelDir}`);
    // Stopped by a signal before the end: not complete, whatever was saved.
    return result.stopReason === 'aborted' && interruption.signal ? interruptedExitCode(interruption.signal) : EXIT_COMPLETE;
  } catch (error) {
    if (error instanceof CoordinatorStoppedError && interruption.signal) {
      progress.clear();
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
