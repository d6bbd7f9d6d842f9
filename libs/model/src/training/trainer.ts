/**
 * The tutorial's training loop (nolearn's NeuralNet.fit), independent of where
 * gradients come from: per epoch, every batch in order is sent to the
 * gradient source, its summed gradient is divided by the batch size and
 * applied with Lasagne's Nesterov momentum; then the validation loss is
 * measured, observers hear of the epoch, early stopping decides, and the
 * schedules move on.
 *
 * Everything the loop needs to continue lives in a TrainerState, which a
 * caller can checkpoint after any step and pass back to resume exactly where
 * it stopped (per-step randomness is derived from the seed, see step-plan.ts).
 */
import { EarlyStopping, type EarlyStoppingState } from '../optimizer/early-stopping.ts';
import { nesterovUpdateSummed } from '../optimizer/nesterov.ts';
import type { NetSpec } from '../net-specs/index.ts';
import { hyperparametersForEpoch } from '../optimizer/schedule.ts';
import { UpdateMemory } from '../optimizer/update-memory.ts';
import type { GradientSource } from './gradient-source.ts';
import { type EpochRecord, rmsePx } from './history.ts';
import { planStep, stepsPerEpoch } from './step-plan.ts';

/** Where training stands between two steps. */
export interface TrainerState {
  /** The epoch in progress (1-based); maxEpochs + 1 once training is over. */
  readonly epoch: number;
  /** The next step of that epoch (0-based). */
  readonly step: number;
  /** Sum of the batch losses of the epoch's steps so far. */
  readonly epochLossSum: number;
  /** Seconds spent on the epoch so far (its record's duration includes time before a restart). */
  readonly epochSeconds: number;
  readonly parameters: Float32Array;
  readonly velocity: Float32Array;
  readonly history: readonly EpochRecord[];
  readonly earlyStopping: EarlyStoppingState | null;
  readonly bestWeights: Float32Array | null;
}

export interface TrainerObserver {
  /** After every step; `stepLoss` is that batch's mean loss. */
  onStep?(progress: { epoch: number; step: number; steps: number; stepLoss: number }): void | Promise<void>;
  /**
   * After every epoch, once its validation loss is known. `state()` is the
   * state to resume from after this epoch: a copy made at the first call,
   * the same object for every observer of the epoch (read it, do not change it).
   */
  onEpoch?(record: EpochRecord, state: () => TrainerState): void | Promise<void>;
}

export interface TrainerOptions {
  /** The net; its training section gives epochs, batch size, schedules, flips and early stopping. */
  readonly spec: NetSpec;
  readonly source: GradientSource;
  readonly trainRows: number;
  /** Initial parameters (ignored when resuming). Not modified. */
  readonly parameters: Float32Array;
  /** Seed of flips and dropout (the data split's seed is separate). */
  readonly seed: number;
  /** Continue from a saved state instead of starting at epoch 1. */
  readonly resume?: TrainerState;
  readonly observers?: readonly TrainerObserver[];
  /** Checked between steps: training stops early, keeping what was learnt. */
  readonly signal?: AbortSignal;
}

export type StopReason = 'completed' | 'early-stopping' | 'aborted';

export interface TrainingResult {
  readonly history: readonly EpochRecord[];
  /** The final parameters (the best ones when early stopping ended training). */
  readonly parameters: Float32Array;
  readonly stopReason: StopReason;
  readonly bestEpoch: number | null;
  /** The state to resume from (meaningful after 'aborted'). */
  readonly state: TrainerState;
}

/** Gradient buffers in the update memory: one per worker of a distributed step (more work, only slower). Untouched ones cost no RAM. */
const GRADIENT_SLOTS = 16;

/**
 * Why training that reached `state` is over, or null when it goes on: every
 * epoch up to `maxEpochs` done ('completed'; more epochs extend the run), or
 * early stopping decided at the last epoch ('early-stopping', whatever
 * `maxEpochs`: the best weights are already restored). The state after an
 * epoch records both, so a checkpoint tells whether its run is finished.
 */
export function finishedBy(state: TrainerState, maxEpochs: number): Exclude<StopReason, 'aborted'> | null {
  const last = state.history.at(-1);
  const es = state.earlyStopping;
  // EarlyStopping.observe's 'stop': the last epoch did not improve, and patience ran out.
  if (es && last && state.step === 0 && last.epoch === state.epoch - 1 && es.bestEpoch !== last.epoch && es.bestEpoch + es.patience < last.epoch) return 'early-stopping';
  return state.epoch > maxEpochs ? 'completed' : null;
}

export async function train(options: TrainerOptions): Promise<TrainingResult> {
  const { spec, source, trainRows, seed, signal, resume } = options;
  const { maxEpochs, batchSize, flip } = spec.training;
  if (trainRows < 1) throw new RangeError('there are no training rows');
  const observers = options.observers ?? [];
  const initial = resume?.parameters ?? options.parameters;
  if (resume && resume.velocity.length !== initial.length) throw new RangeError(`velocity has ${resume.velocity.length} values, parameters ${initial.length}`);
  // Parameters, velocities and the sources' gradient sums side by side, for the SIMD update.
  const memory = new UpdateMemory(initial.length, GRADIENT_SLOTS);
  const { parameters, velocity } = memory;
  parameters.set(initial);
  if (resume) velocity.set(resume.velocity);
  const gradients = { take: () => memory.takeGradient() };
  const stopping = spec.training.earlyStopping ? restoreEarlyStopping(spec.training.earlyStopping.patience, resume) : null;
  const steps = stepsPerEpoch(trainRows, batchSize);
  const history: EpochRecord[] = [...(resume?.history ?? [])];
  let epoch = resume?.epoch ?? 1;
  let firstStep = resume?.step ?? 0;
  let epochLossSum = resume?.epochLossSum ?? 0;
  let secondsBefore = resume?.epochSeconds ?? 0;

  const state = (step: number, started: number): TrainerState => ({
    epoch,
    step,
    epochLossSum,
    epochSeconds: secondsBefore + (performance.now() - started) / 1000,
    parameters: parameters.slice(),
    velocity: velocity.slice(),
    history: [...history],
    earlyStopping: stopping?.state() ?? null,
    bestWeights: stopping?.bestWeights?.slice() ?? null,
  });
  const result = (stopReason: StopReason, resumeState: TrainerState): TrainingResult => ({
    history,
    parameters,
    stopReason,
    bestEpoch: stopping ? stopping.bestEpoch : null,
    state: resumeState,
  });

  // A run that early stopping ended stays ended: resuming it must not train another epoch.
  if (resume && finishedBy(resume, maxEpochs) === 'early-stopping') return result('early-stopping', resume);
  for (; epoch <= maxEpochs; epoch++, firstStep = 0, epochLossSum = 0, secondsBefore = 0) {
    const started = performance.now();
    const { learningRate, momentum } = hyperparametersForEpoch(spec, epoch);
    for (let step = firstStep; step < steps; step++) {
      if (signal?.aborted) return result('aborted', state(step, started));
      const plan = planStep({ trainRows, batchSize, flip, seed }, epoch, step);
      memory.releaseGradients();
      const sums = await source.trainStep(parameters, plan, gradients);
      nesterovUpdateSummed(parameters, velocity, sums.gradParts, learningRate, momentum, 1 / plan.rows.length);
      const stepLoss = sums.lossSum / plan.rows.length;
      epochLossSum += stepLoss;
      for (const o of observers) await o.onStep?.({ epoch, step, steps, stepLoss });
    }
    const valid = await source.validate(parameters);
    // Like nolearn: train loss is the mean of the batch losses, valid loss the mean over validation rows.
    const trainLoss = epochLossSum / steps;
    const validLoss = valid.lossSum / valid.count;
    const record: EpochRecord = {
      epoch,
      trainLoss,
      validLoss,
      trainValidRatio: trainLoss / validLoss,
      validRmsePx: rmsePx(validLoss),
      learningRate,
      momentum,
      seconds: secondsBefore + (performance.now() - started) / 1000,
    };
    history.push(record);
    const action = stopping?.observe(epoch, validLoss, parameters);
    // The state after an epoch is the start of the next one. One copy for all the observers that ask (it is 2-3x the parameters).
    let snapshot: TrainerState | null = null;
    const after = (): TrainerState => (snapshot ??= { ...state(0, performance.now()), epoch: epoch + 1, epochLossSum: 0, epochSeconds: 0 });
    for (const o of observers) await o.onEpoch?.(record, after);
    if (action === 'stop') return result('early-stopping', after());
  }
  return result('completed', state(0, performance.now()));
}

function restoreEarlyStopping(patience: number, resume: TrainerState | undefined): EarlyStopping {
  if (!resume?.earlyStopping) return new EarlyStopping(patience);
  return EarlyStopping.fromState(resume.earlyStopping, resume.bestWeights);
}
