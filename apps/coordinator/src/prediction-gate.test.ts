import { describe, expect, it } from 'vitest';
import { PredictionGate } from './prediction-gate.ts';

describe('PredictionGate', () => {
  it('is closed while nobody watches', () => {
    let watching = false;
    const gate = new PredictionGate(() => watching, () => 0);
    expect(gate.open()).toBe(false);
    watching = true;
    expect(gate.open()).toBe(true);
  });

  it('after predictions that took t ms, stays closed for 10 t ms (about a tenth of the time at most)', () => {
    let now = 1000;
    const gate = new PredictionGate(() => true, () => now);
    const faces = gate.spend(() => {
      now += 40;
      return 'faces';
    });
    expect(faces).toBe('faces');
    now += 399;
    expect(gate.open()).toBe(false);
    now += 1;
    expect(gate.open()).toBe(true);
  });

  it('counts predictions that threw, and rethrows', () => {
    let now = 0;
    const gate = new PredictionGate(() => true, () => now);
    expect(() =>
      gate.spend(() => {
        now += 10;
        throw new Error('backend lost');
      }),
    ).toThrow('backend lost');
    now += 99;
    expect(gate.open()).toBe(false);
  });
});
