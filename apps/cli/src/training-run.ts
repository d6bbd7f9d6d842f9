/**
 * `kfkd train`: wires the data, the net, the backend, the trainer and its
 * observers (epoch table, progress line, run directory) together.
 */
import { readTrainingCsv } from '@kfkd/data';
import {
  EPOCH_TABLE_HEADER,
  GradientComputer,
  LocalGradientSource,
  RunDirectory,
  epochTableRow,
  initialParameters,
  loadSavedParameters,
  meanPredictorLoss,
  netSpec,
  paramLayout,
  prepareTrainingData,
  rmsePx,
  selectBackend,
  specialistSpecForKeypoints,
  train,
  transferParameters,
  withTrainingOverrides,
  withTrainingRows,
  type TrainerObserver,
} from '@kfkd/model';
import type { TrainFlags } from './commands/train.ts';
import { progressLine } from './progress.ts';
import { onInterrupt } from './signals.ts';

export async function runTraining(flags: TrainFlags): Promise<void> {
  // Read the data first: a bad file should fail before any backend starts.
  const data = await readTrainingCsv(flags.data);
  const base = netSpec(flags.net);
  const chosen = flags.cols ? specialistSpecForKeypoints(base, parseKeypoints(flags.cols)) : base;
  const prepared = prepareTrainingData(data, chosen, flags.seed);
  const spec = withTrainingOverrides(withTrainingRows(chosen, prepared.train.rows), {
    maxEpochs: flags.epochs,
    batchSize: flags.batch,
    learningRate: flags.lr,
    momentum: flags.momentum,
  });

  const backend = await selectBackend(flags.backend);
  console.log(backend.message);

  const parameters = initialParameters(spec, flags.seed);
  if (flags.initFrom) {
    const from = await loadSavedParameters(flags.initFrom);
    const copied = transferParameters(paramLayout(from.spec), from.parameters, paramLayout(spec), parameters);
    console.log(`initialised ${copied.length} of ${paramLayout(spec).entries.length} tensors from ${flags.initFrom} (${copied.join(', ')})`);
  }

  const runDir = flags.runDir ?? `runs/${spec.name}-${timestamp()}`;
  const run = await RunDirectory.create(runDir, {
    net: spec.name,
    columns: spec.columns,
    data: flags.data,
    dataRows: data.rows,
    trainRows: prepared.train.rows,
    validRows: prepared.valid.rows,
    epochs: spec.training.maxEpochs,
    batchSize: spec.training.batchSize,
    seed: flags.seed,
    backend: backend.name,
    device: backend.device,
    initFrom: flags.initFrom ?? null,
    spec,
  });

  const baseline = rmsePx(meanPredictorLoss(prepared));
  console.log(
    `training ${spec.name} on ${flags.data}: ${prepared.train.rows} train / ${prepared.valid.rows} valid rows ` +
      `(of ${data.rows}; rows missing any of the net's ${spec.columns.length} columns are dropped), ` +
      `${spec.training.maxEpochs} epochs, batch ${spec.training.batchSize}${spec.training.flip ? ', flips' : ''}`,
  );
  console.log(`run directory: ${runDir}\n`);

  const computer = new GradientComputer(spec, { parameters, seed: flags.seed });
  const abort = new AbortController();
  const stopListening = onInterrupt(() => {
    console.error('\nstopping after this step; the model and history so far are kept (Ctrl-C again to quit at once)');
    abort.abort();
  });
  const progress = progressLine(process.stderr);
  const table: TrainerObserver = {
    onStep: ({ epoch, step, steps, stepLoss }) => progress.update(`epoch ${epoch}: step ${step + 1}/${steps}, batch loss ${stepLoss.toFixed(6)}`),
    onEpoch: async (record) => {
      progress.clear();
      if (record.epoch === 1) console.log(EPOCH_TABLE_HEADER);
      console.log(epochTableRow(record));
      await run.appendEpoch(record);
    },
  };
  try {
    const result = await train({
      spec,
      source: new LocalGradientSource(computer, prepared, backend.name),
      trainRows: prepared.train.rows,
      parameters,
      seed: flags.seed,
      observers: [table],
      signal: abort.signal,
    });
    progress.clear();
    const modelDir = await run.saveModel(spec, result.parameters);
    const last = result.history.at(-1);
    console.log('');
    if (result.stopReason === 'early-stopping') console.log(`early stopping: best valid loss at epoch ${result.bestEpoch}, its weights restored`);
    if (result.stopReason === 'aborted') console.log(`interrupted after ${result.history.length} complete epochs`);
    if (last) {
      const final = result.stopReason === 'early-stopping' ? result.history[result.bestEpoch! - 1] : last;
      console.log(`valid RMSE ${final.validRmsePx.toFixed(3)} px (mean-keypoint predictor: ${baseline.toFixed(3)} px)`);
    }
    console.log(`saved model to ${modelDir}`);
  } finally {
    stopListening();
    computer.dispose();
  }
}

function parseKeypoints(list: string): string[] {
  // Accept keypoint names or their _x/_y columns, e.g. nose_tip or nose_tip_x.
  const names = list.split(',').map((s) => s.trim().replace(/_[xy]$/, '')).filter((s) => s.length > 0);
  return [...new Set(names)];
}

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}
