/**
 * Hyperparameter schedules, as the tutorial's AdjustVariable applies them:
 * the values are np.linspace(start, stop, max_epochs) and, after epoch e
 * finishes, the variable is set to ls[e - 1]. So epoch 1 runs at the initial
 * value (= start), epoch e >= 2 at ls[e - 2]; `stop` itself is set after the
 * last epoch and never used. Values are float32, as in the Theano graph.
 */
import type { NetSpec, ScheduleSpec } from '../net-specs/index.ts';

/** numpy.linspace(start, stop, num) with endpoint=True, in float64. */
export function linspace(start: number, stop: number, num: number): Float64Array {
  if (!(Number.isInteger(num) && num >= 0)) throw new RangeError(`num must be a non-negative integer, got ${num}`);
  const y = new Float64Array(num);
  if (num === 0) return y;
  const div = num - 1;
  if (div === 0) {
    y[0] = start;
    return y;
  }
  const delta = stop - start;
  const step = delta / div;
  for (let i = 0; i < num; i++) y[i] = step === 0 ? (i / div) * delta + start : i * step + start;
  y[num - 1] = stop;
  return y;
}

/**
 * The value a schedule has DURING `epoch` (1-based) of a run of `maxEpochs`
 * epochs. Any epoch after the last sees the last value set, `stop`.
 */
export function scheduleValue(schedule: ScheduleSpec, maxEpochs: number, epoch: number): number {
  if (!(Number.isInteger(epoch) && epoch >= 1)) throw new RangeError(`epoch must be an integer >= 1, got ${epoch}`);
  if (schedule.kind === 'constant') return Math.fround(schedule.value);
  if (epoch === 1) return Math.fround(schedule.start);
  const div = maxEpochs - 1;
  const i = Math.min(epoch - 2, maxEpochs - 1);
  if (div <= 0) return Math.fround(schedule.start);
  if (i === div) return Math.fround(schedule.stop);
  const delta = schedule.stop - schedule.start;
  const step = delta / div;
  return Math.fround(step === 0 ? (i / div) * delta + schedule.start : i * step + schedule.start);
}

export interface EpochHyperparameters {
  readonly learningRate: number;
  readonly momentum: number;
}

/** Learning rate and momentum used during `epoch` (1-based) of a spec's training. */
export function hyperparametersForEpoch(spec: NetSpec, epoch: number): EpochHyperparameters {
  const n = spec.training.maxEpochs;
  return {
    learningRate: scheduleValue(spec.training.learningRate, n, epoch),
    momentum: scheduleValue(spec.training.momentum, n, epoch),
  };
}
