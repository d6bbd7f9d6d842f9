import type { NetSpec, TrainingSpec } from '../net-specs/index.ts';

/**
 * A spec with some training settings replaced from the command line. The
 * schedules are linear over maxEpochs, so a shorter run still sweeps the
 * net's whole learning-rate and momentum range.
 */
export interface TrainingOverrides {
  readonly maxEpochs?: number;
  readonly batchSize?: number;
  /** A constant learning rate instead of the net's own (schedule). */
  readonly learningRate?: number;
  /** A constant momentum instead of the net's own (schedule). */
  readonly momentum?: number;
}

export function withTrainingOverrides(spec: NetSpec, overrides: TrainingOverrides): NetSpec {
  const training: TrainingSpec = {
    ...spec.training,
    ...(overrides.maxEpochs === undefined ? {} : { maxEpochs: overrides.maxEpochs }),
    ...(overrides.batchSize === undefined ? {} : { batchSize: overrides.batchSize }),
    ...(overrides.learningRate === undefined ? {} : { learningRate: { kind: 'constant', value: overrides.learningRate } }),
    ...(overrides.momentum === undefined ? {} : { momentum: { kind: 'constant', value: overrides.momentum } }),
  };
  for (const [key, value] of [['maxEpochs', training.maxEpochs], ['batchSize', training.batchSize]] as const) {
    if (!(Number.isInteger(value) && value >= 1)) throw new RangeError(`${key} must be a positive integer, got ${value}`);
  }
  if (overrides.learningRate !== undefined && !(overrides.learningRate > 0)) throw new RangeError(`learning rate must be positive, got ${overrides.learningRate}`);
  if (overrides.momentum !== undefined && !(overrides.momentum >= 0 && overrides.momentum < 1)) {
    throw new RangeError(`momentum must be in [0, 1), got ${overrides.momentum}`);
  }
  return { ...spec, training };
}
