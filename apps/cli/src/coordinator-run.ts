/**
 * `kfkd coordinator`: the training run's data and net (as `kfkd train`
 * resolves them), the epoch table, and a Coordinator serving the workers.
 */
import { Coordinator, CoordinatorMetrics, CoordinatorStoppedError } from '@kfkd/coordinator';
import { preferThroughputGc, stderrLogger } from '@kfkd/runtime';
import { EPOCH_TABLE_HEADER, epochTableRow, meanPredictorLoss, paramLayout, rmsePx, selectBackend, type TrainerObserver } from '@kfkd/model';
import { secondsToMs } from './cluster-flags.ts';
import type { CoordinatorFlags } from './commands/coordinator.ts';
import { coordinatorCredentials } from './credentials.ts';
import { serveMetrics } from './metrics-endpoint.ts';
import { progressLine } from './progress.ts';
import { onInterrupt } from './signals.ts';
import { defaultRunDir, loadTrainingInputs, runConfig, startingParameters } from './training-setup.ts';

export async function runCoordinator(flags: CoordinatorFlags): Promise<void> {
  preferThroughputGc();
  const inputs = await loadTrainingInputs(flags);
  const { data, spec, prepared } = inputs;
  // The coordinator computes nothing; tfjs only writes the final model.
  await selectBackend('cpu');
  const parameters = await startingParameters(spec, flags, (line) => console.log(line));
  const runDir = flags.runDir ?? defaultRunDir(spec);
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
    identity: { net: spec.name, data: flags.data, dataRows: data.rows, seed: flags.seed, epochs: spec.training.maxEpochs, batchSize: spec.training.batchSize, parameters: parameters.length },
    resumeFrom: flags.resumeFrom,
    listen: flags.listen,
    tokens,
    tls,
    minWorkers: flags.minWorkers,
    taskTimeoutMs: secondsToMs(flags.stepTimeout),
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
  // Ready (/healthz 200) once workers can connect.
  const metricsServer = await serveMetrics(flags.metricsListen, metrics.registry, log, () => coordinator.state === 'running');
  const stopListening = onInterrupt(() => {
    console.error('\nstopping after this step; a checkpoint is written and a restart with the same --run-dir resumes (Ctrl-C again to quit at once)');
    coordinator.shutdown();
  });
  try {
    const { result, modelDir } = await coordinator.run();
    progress.clear();
    const last = result.history.at(-1);
    console.log('');
    if (result.stopReason === 'early-stopping') console.log(`early stopping: best valid loss at epoch ${result.bestEpoch}, its weights restored`);
    if (result.stopReason === 'aborted') console.log(`interrupted after ${result.history.length} complete epochs; checkpoint saved in ${runDir}`);
    if (last) {
      const final = result.stopReason === 'early-stopping' ? result.history[result.bestEpoch! - 1] : last;
      console.log(`valid RMSE ${final.validRmsePx.toFixed(3)} px (mean-keypoint predictor: ${baseline.toFixed(3)} px)`);
    }
    console.log(`saved model to ${modelDir}`);
  } catch (error) {
    if (error instanceof CoordinatorStoppedError) {
      progress.clear();
      console.log(`\ninterrupted while waiting for workers; the last epoch's checkpoint in ${runDir} is kept`);
      return;
    }
    throw error;
  } finally {
    stopListening();
    await metricsServer?.close();
  }
}
