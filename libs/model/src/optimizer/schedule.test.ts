import { describe, expect, it } from 'vitest';
import { netSpec } from '../net-specs/index.ts';
import { hyperparametersForEpoch, linspace, scheduleValue } from './schedule.ts';

const f32 = Math.fround;

describe('linspace', () => {
  it('matches numpy.linspace', () => {
    // Values printed by numpy 2.4: np.linspace(0.03, 0.0001, 1000)[[0, 1, 2, 499, 998, 999]]
    const ls = linspace(0.03, 0.0001, 1000);
    expect([ls[0], ls[1], ls[2], ls[499], ls[998], ls[999]]).toEqual([
      0.03, 0.02997007007007007, 0.02994014014014014, 0.015064964964964964, 0.00012992992992992905, 0.0001,
    ]);
    const mu = linspace(0.9, 0.999, 3000);
    expect([mu[0], mu[1], mu[1500], mu[2998], mu[2999]]).toEqual([0.9, 0.900033011003668, 0.949516505501834, 0.9989669889963321, 0.999]);
    expect(Array.from(linspace(2, 5, 1))).toEqual([2]);
    expect(Array.from(linspace(2, 5, 0))).toEqual([]);
    expect(Array.from(linspace(1, 1, 3))).toEqual([1, 1, 1]);
  });
});

describe('schedules (AdjustVariable, applied after each epoch)', () => {
  const lr = { kind: 'linear', start: 0.03, stop: 0.0001 } as const;

  it('runs epoch 1 at the start value and epoch e at linspace[e - 2]', () => {
    const ls = linspace(0.03, 0.0001, 1000);
    expect(scheduleValue(lr, 1000, 1)).toBe(f32(0.03));
    expect(scheduleValue(lr, 1000, 2)).toBe(f32(ls[0]));
    expect(scheduleValue(lr, 1000, 3)).toBe(f32(0.02997007007007007));
    expect(scheduleValue(lr, 1000, 501)).toBe(f32(0.015064964964964964));
    expect(scheduleValue(lr, 1000, 1000)).toBe(f32(0.00012992992992992905));
    // `stop` is set after the last epoch only.
    expect(scheduleValue(lr, 1000, 1001)).toBe(f32(0.0001));
    expect(scheduleValue(lr, 1000, 5000)).toBe(f32(0.0001));
  });

  it('momentum 0.9 -> 0.999 over 5 epochs (hand computed)', () => {
    // linspace = [0.9, 0.92475, 0.9495, 0.97425, 0.999]; epochs 1..5 run at 0.9, 0.9, 0.92475, 0.9495, 0.97425.
    const mu = { kind: 'linear', start: 0.9, stop: 0.999 } as const;
    expect([1, 2, 3, 4, 5, 6].map((e) => scheduleValue(mu, 5, e))).toEqual([0.9, 0.9, 0.92475, 0.9495, 0.97425, 0.999].map(f32));
  });

  it('constant schedules and one-epoch runs', () => {
    expect(scheduleValue({ kind: 'constant', value: 0.01 }, 400, 1)).toBe(f32(0.01));
    expect(scheduleValue({ kind: 'constant', value: 0.01 }, 400, 400)).toBe(f32(0.01));
    expect(scheduleValue(lr, 1, 1)).toBe(f32(0.03));
    expect(scheduleValue(lr, 1, 2)).toBe(f32(0.03));
    expect(() => scheduleValue(lr, 10, 0)).toThrow(RangeError);
  });

  it('gives each net its hyperparameters', () => {
    expect(hyperparametersForEpoch(netSpec('net1'), 17)).toEqual({ learningRate: f32(0.01), momentum: f32(0.9) });
    expect(hyperparametersForEpoch(netSpec('net4'), 1)).toEqual({ learningRate: f32(0.03), momentum: f32(0.9) });
    const last = hyperparametersForEpoch(netSpec('net4'), 1000);
    expect(last.learningRate).toBe(f32(0.00012992992992992905));
    expect(last.momentum).toBe(f32(linspace(0.9, 0.999, 1000)[998]));
  });
});
