/**
 * `kfkd train`: wires the data, the net, the backend, the trainer and its
 * observers (epoch table, progress line, run directory) together.
 */
import { GradientComputer, LocalGradientSource, RunDirectory, selectBackend, train } from '@kfkd/model';
import type { BackendChoice } from '@kfkd/model/backend-choice';
import { EXIT_COMPLETE, type ExitCode, interruptedExitCode } from './failure.ts';
import { RunReport } from './run-report.ts';
import { onInterrupt, quitAtOnceHint } from './signals.ts';
import { type TrainingFlags, defaultRunDir, loadTrainingInputs, runConfig, startingParameters } from './training-setup.ts';

/** What `kfkd train` is given (its flags: commands/train.ts). */
export interface TrainFlags extends TrainingFlags {
  backend: BackendChoice;
}

/** Trains to the end (exit 0), or stops on SIGINT/SIGTERM after the step in flight, saving what was learnt (130/143). */
export async function runTraining(flags: TrainFlags): Promise<ExitCode> {
  const inputs = await loadTrainingInputs(flags);
  const { spec, prepared } = inputs;

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

  const report = new RunReport({ spec, dataFile: flags.data, prepared, runDir, distributed: false });
  report.banner();

  const computer = new GradientComputer(spec, { parameters, seed: flags.seed });
  const abort = new AbortController();
  const interruption = onInterrupt((signal) => {
    console.error(`\n${signal}: stopping after this step; the model and history so far are kept (${quitAtOnceHint(signal)} quits at once)`);
    abort.abort();
  });
  try {
    const result = await train({
      spec,
      source: new LocalGradientSource(computer, prepared, backend.name),
      trainRows: prepared.train.rows,
      parameters,
      seed: flags.seed,
      // Each epoch's row is shown, then written to history.jsonl.
      observers: [report.observer, { onEpoch: (record) => run.appendEpoch(record) }],
      signal: abort.signal,
    });
    report.clearProgress();
    report.summary(result, await run.saveModel(spec, result.parameters));
    return result.stopReason === 'aborted' && interruption.signal ? interruptedExitCode(interruption.signal) : EXIT_COMPLETE;
  } finally {
    interruption.dispose();
    computer.dispose();
  }
}
