import { describe, expect, it } from 'vitest';
import { SizeMismatchError } from './errors.ts';
import { nesterovUpdate } from './nesterov.ts';

describe('Lasagne Nesterov momentum', () => {
  it('matches values computed by hand', () => {
    // lr 0.1, mu 0.9
    // i0: v = 0.9*0 - 0.1*0.5 = -0.05;     theta = 1 + 0.9*(-0.05) - 0.05 = 0.905
    // i1: v = 0.9*0.5 - 0.1*(-1) = 0.55;   theta = -2 + 0.9*0.55 + 0.1 = -1.405
    const p = new Float32Array([1, -2]);
    const v = new Float32Array([0, 0.5]);
    nesterovUpdate(p, v, new Float32Array([0.5, -1]), 0.1, 0.9);
    expect(v[0]).toBeCloseTo(-0.05, 7);
    expect(v[1]).toBeCloseTo(0.55, 7);
    expect(p[0]).toBeCloseTo(0.905, 6);
    expect(p[1]).toBeCloseTo(-1.405, 6);
    // A zero gradient keeps coasting: v = 0.9*(-0.05) = -0.045, theta = 0.905 + 0.9*(-0.045) = 0.8645
    nesterovUpdate(p, v, new Float32Array([0, 0]), 0.1, 0.9);
    expect(v[0]).toBeCloseTo(-0.045, 7);
    expect(p[0]).toBeCloseTo(0.8645, 6);
    expect(v[1]).toBeCloseTo(0.495, 6);
    expect(p[1]).toBeCloseTo(-1.405 + 0.9 * 0.495, 6);
  });

  it('scales a summed gradient', () => {
    const a = new Float32Array([1, -2]);
    const va = new Float32Array([0, 0.5]);
    nesterovUpdate(a, va, new Float32Array([64, -128]), 0.1, 0.9, 1 / 128);
    expect(a[0]).toBeCloseTo(0.905, 6);
    expect(a[1]).toBeCloseTo(-1.405, 6);
  });

  it('equals theta + mu^2 v - (1 + mu) lr g', () => {
    const n = 1000;
    const p = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
    const v = Float32Array.from({ length: n }, (_, i) => Math.cos(i) * 0.1);
    const g = Float32Array.from({ length: n }, (_, i) => Math.sin(3 * i));
    const expected = p.map((x, i) => x + 0.95 * 0.95 * v[i] - 1.95 * 0.01 * g[i]);
    nesterovUpdate(p, v, g, 0.01, 0.95);
    for (let i = 0; i < n; i++) expect(Math.abs(p[i] - expected[i])).toBeLessThan(1e-6);
  });

  it('rejects arrays of different lengths', () => {
    expect(() => nesterovUpdate(new Float32Array(3), new Float32Array(2), new Float32Array(3), 0.1, 0.9)).toThrow(SizeMismatchError);
    expect(() => nesterovUpdate(new Float32Array(3), new Float32Array(3), new Float32Array(4), 0.1, 0.9)).toThrow(SizeMismatchError);
  });
});
