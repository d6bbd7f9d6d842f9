/**
 * `kfkd train`: wires the data, the net, the backend, the trainer and its
 * observers (epoch table, progress line, run directory) together.
 */
import {
  EPOCH_TABLE_HEADER,
  GradientComputer,
  LocalGradientSource,
  RunDirectory,
  epochTableRow,
  meanPredictorLoss,
  rmsePx,
  selectBackend,
  train,
  type TrainerObserver,
} from '@kfkd/model';
import type { BackendChoice } from '@kfkd/model/backend-choice';
import { EXIT_COMPLETE, type ExitCode, interruptedExitCode } from './failure.ts';
import { progressLine } from './progress.ts';
import { onInterrupt } from './signals.ts';
import { type TrainingFlags, defaultRunDir, loadTrainingInputs, runConfig, startingParameters } from './training-setup.ts';

/** What `kfkd train` is given (its flags: commands/train.ts). */
export interface TrainFlags extends TrainingFlags {
  backend: BackendChoice;
}

/** Trains to the end (exit 0), or stops on SIGINT/SIGTERM after the step in flight, saving what was learnt (130/143). */
export async function runTraining(flags: TrainFlags): Promise<ExitCode> {
  const inputs = await loadTrainingInputs(flags);
  const { data, spec, prepared } = inputs;

  const backend = await selectBackend(flags.backend);
  console.log(backend.message);

  const parameters = await startingParameters(spec, flags, (line) => console.log(line));

  const runDir = flags.runDir ?? defaultRunDir(spec);
  const run = await RunDirectory.create(runDir, {
    ...runConfig(flags, inputs),
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
  const interruption = onInterrupt((signal) => {
    console.error(`\n${signal}: stopping after this step; the model and history so far are kept (${signal === 'SIGINT' ? 'Ctrl-C again' : 'a second signal'} quits at once)`);
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
    return result.stopReason === 'aborted' && interruption.signal ? interruptedExitCode(interruption.signal) : EXIT_COMPLETE;
  } finally {
    interruption.dispose();
    computer.dispose();
  }
}
