import { describe, expect, it } from 'vitest';
import { EarlyStopping } from './early-stopping.ts';

describe('early stopping', () => {
  it('keeps the best weights and stops when best_epoch + patience < epoch', () => {
    const es = new EarlyStopping(2);
    const w = new Float32Array([0]);
    const run = (epoch: number, loss: number) => {
      w[0] = epoch; // the "weights" after this epoch
      return es.observe(epoch, loss, w);
    };
    expect(run(1, 0.5)).toBe('improved');
    expect(run(2, 0.4)).toBe('improved');
    expect(run(3, 0.45)).toBe('continue'); // 2 + 2 < 3? no
    expect(run(4, 0.4)).toBe('continue'); // equal is not better; 2 + 2 < 4? no
    expect(es.bestEpoch).toBe(2);
    expect(es.bestValidLoss).toBe(0.4);
    expect(es.bestWeights?.[0]).toBe(2);
    expect(run(5, 0.41)).toBe('stop'); // 2 + 2 < 5
    expect(w[0]).toBe(2); // restored in place
  });

  it('an improvement at the last moment resets the wait', () => {
    const es = new EarlyStopping(1);
    const w = new Float32Array(3);
    expect(es.observe(1, 1, w)).toBe('improved');
    expect(es.observe(2, 2, w)).toBe('continue');
    expect(es.observe(3, 0.9, w)).toBe('improved'); // 1 + 1 < 3 but it improved (the tutorial's elif)
    expect(es.observe(4, 2, w)).toBe('continue');
    expect(es.observe(5, 2, w)).toBe('stop');
  });

  it('copies the weights (later changes do not touch the best copy)', () => {
    const es = new EarlyStopping(0);
    const w = new Float32Array([1, 2]);
    es.observe(1, 0.1, w);
    w.fill(9);
    expect(Array.from(es.bestWeights!)).toEqual([1, 2]);
    expect(es.observe(2, 0.2, w)).toBe('stop');
    expect(Array.from(w)).toEqual([1, 2]);
  });

  it('NaN never improves', () => {
    const es = new EarlyStopping(1);
    const w = new Float32Array(1);
    expect(es.observe(1, NaN, w)).toBe('continue');
    expect(es.observe(2, NaN, w)).toBe('stop'); // 0 + 1 < 2, nothing to restore
  });

  it('resumes from its state', () => {
    const es = new EarlyStopping(3);
    const w = new Float32Array([5]);
    es.observe(1, 0.3, w);
    const state = JSON.parse(JSON.stringify(es.state()));
    expect(state).toEqual({ patience: 3, bestValidLoss: 0.3, bestEpoch: 1 });
    expect(new EarlyStopping(3).state().bestValidLoss).toBeNull();
    const again = EarlyStopping.fromState(state, es.bestWeights);
    w[0] = 7;
    expect(again.observe(5, 0.4, w)).toBe('stop');
    expect(w[0]).toBe(5);
  });
});
