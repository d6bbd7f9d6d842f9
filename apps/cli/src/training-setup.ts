/**
 * What `kfkd train` and `kfkd coordinator` share: the flags that define a
 * training run, and turning them into data, a resolved net and initial
 * parameters. Distributed training must start from exactly what
 * single-process training starts from.
 */
import type { Command } from 'commander';
import type { RunIdentity } from '@kfkd/coordinator';
import { type KeypointDataset, readTrainingCsv } from '@kfkd/data';
import {
  type NetSpec,
  type TrainingData,
  initialParameters,
  loadSavedParameters,
  netSpec,
  paramLayout,
  prepareTrainingData,
  specialistSpecForKeypoints,
  transferParameters,
  withTrainingOverrides,
  withTrainingRows,
} from '@kfkd/model';
import { integerOption, numberOption, stringOption } from './options.ts';

export interface TrainingFlags {
  net: string;
  data: string;
  cols?: string;
  epochs?: number;
  batch: number;
  lr?: number;
  momentum?: number;
  seed: number;
  runDir?: string;
  initFrom?: string;
}

/** Adds the flags of a training run (all but --backend) to a command. */
export function addTrainingFlags(command: Command): Command {
  return command
    .addOption(stringOption('--net <name>', 'net1..net7, final, tinyconv-test, tinyconv-dropout-flip-test, or <net>-specialist-<1..6>', 'net1'))
    .addOption(stringOption('--data <file>', 'Kaggle-format training.csv (make one with `kfkd synth`)').makeOptionMandatory())
    .addOption(stringOption('--cols <keypoints>', 'train a specialist on these keypoints (comma-separated names, e.g. nose_tip,left_eye_center)'))
    .addOption(integerOption('--epochs <n>', "number of epochs; schedules span them (default: the net's own, e.g. 400 for net1). A coordinator resuming its --run-dir goes on with the checkpoint's epochs unless given more (training goes on; a schedule then spans the new total), never fewer", undefined, 1))
    .addOption(integerOption('--batch <n>', 'batch size', 128, 1))
    .addOption(numberOption('--lr <rate>', "constant learning rate instead of the net's own schedule", (v) => v > 0, 'a positive number'))
    .addOption(numberOption('--momentum <mu>', "constant momentum instead of the net's own schedule", (v) => v >= 0 && v < 1, 'a number in [0, 1)'))
    .addOption(integerOption('--seed <n>', 'seed of the data split, initial weights, flips and dropout', 42))
    .addOption(stringOption('--run-dir <dir>', 'where the model, config and history go (default: runs/<net>-<time>)'))
    .addOption(stringOption('--init-from <dir>', "start from a saved model's weights wherever shapes match (specialist pre-training)"));
}

export interface TrainingInputs {
  readonly data: KeypointDataset;
  readonly spec: NetSpec;
  readonly prepared: TrainingData;
}

/** Reads the data and resolves the net with its training settings. */
export async function loadTrainingInputs(flags: TrainingFlags): Promise<TrainingInputs> {
  // Read the data first: a bad file should fail before any backend starts.
  return trainingInputsOf(await readTrainingCsv(flags.data), flags);
}

/** The net resolved with its training settings, on data already read (`kfkd pipeline` reads it once for all its jobs). */
export function trainingInputsOf(data: KeypointDataset, flags: Omit<TrainingFlags, 'data'>): TrainingInputs {
  const base = netSpec(flags.net);
  const chosen = flags.cols ? specialistSpecForKeypoints(base, parseKeypoints(flags.cols)) : base;
  const prepared = prepareTrainingData(data, chosen, flags.seed);
  const spec = withTrainingOverrides(withTrainingRows(chosen, prepared.train.rows), {
    maxEpochs: flags.epochs,
    batchSize: flags.batch,
    learningRate: flags.lr,
    momentum: flags.momentum,
  });
  return { data, spec, prepared };
}

/** The seeded initial parameters, with --init-from's tensors copied in; `say` hears what was copied. */
export async function startingParameters(spec: NetSpec, flags: TrainingFlags, say: (line: string) => void): Promise<Float32Array> {
  const parameters = initialParameters(spec, flags.seed);
  if (flags.initFrom) {
    const from = await loadSavedParameters(flags.initFrom);
    const copied = transferParameters(paramLayout(from.spec), from.parameters, paramLayout(spec), parameters);
    say(`initialised ${copied.length} of ${paramLayout(spec).entries.length} tensors from ${flags.initFrom} (${copied.join(', ')})`);
  }
  return parameters;
}

/** The settings a run's checkpoint must share to be resumed (`kfkd coordinator`, each job of `kfkd pipeline`). */
export function checkpointIdentity(flags: Pick<TrainingFlags, 'data' | 'seed'>, inputs: TrainingInputs): RunIdentity {
  const { data, spec } = inputs;
  return { net: spec.name, data: flags.data, dataRows: data.rows, seed: flags.seed, epochs: spec.training.maxEpochs, batchSize: spec.training.batchSize, parameters: paramLayout(spec).size };
}

/** config.json of a run, less what depends on where it computes. */
export function runConfig(flags: TrainingFlags, inputs: TrainingInputs): Record<string, unknown> {
  const { data, spec, prepared } = inputs;
  return {
    net: spec.name,
    columns: spec.columns,
    data: flags.data,
    dataRows: data.rows,
    trainRows: prepared.train.rows,
    validRows: prepared.valid.rows,
    epochs: spec.training.maxEpochs,
    batchSize: spec.training.batchSize,
    seed: flags.seed,
  };
}

export function defaultRunDir(spec: NetSpec): string {
  return `runs/${spec.name}-${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}`;
}

function parseKeypoints(list: string): string[] {
  // Accept keypoint names or their _x/_y columns, e.g. nose_tip or nose_tip_x.
  const names = list.split(',').map((s) => s.trim().replace(/_[xy]$/, '')).filter((s) => s.length > 0);
  return [...new Set(names)];
}
