import { describe, expect, it } from 'vitest';
import { SizeMismatchError } from '../errors.ts';
import { nesterovUpdate, nesterovUpdateSummed } from './nesterov.ts';

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

  describe('fused with the sum of ordered parts', () => {
    const n = 4099;
    const wave = (k: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(k * 7.1 + i * 0.37) * 10 ** ((i % 7) - 3));
    for (const count of [1, 2, 3, 4, 5]) {
      it(`equals summing ${count} parts into a zeroed array, then nesterovUpdate, bit for bit`, () => {
        const parts = Array.from({ length: count }, (_, k) => wave(k + 1));
        const sum = new Float32Array(n);
        for (const g of parts) for (let i = 0; i < n; i++) sum[i] += g[i];
        const p1 = wave(20);
        const v1 = wave(21).map((x) => x * 0.1);
        const p2 = p1.slice();
        const v2 = v1.slice();
        nesterovUpdate(p1, v1, sum, 0.01, 0.9, 1 / 128);
        nesterovUpdateSummed(p2, v2, parts, 0.01, 0.9, 1 / 128);
        expect(Buffer.from(p2.buffer).equals(Buffer.from(p1.buffer))).toBe(true);
        expect(Buffer.from(v2.buffer).equals(Buffer.from(v1.buffer))).toBe(true);
      });
    }

    it('depends on the order of the parts (float32 sums are not associative)', () => {
      const a = Float32Array.of(1e8, 1);
      const b = Float32Array.of(1, 1e8);
      const c = Float32Array.of(-1e8, -1e8);
      const forward = new Float32Array(2);
      const backward = new Float32Array(2);
      nesterovUpdateSummed(forward, new Float32Array(2), [a, b, c], 1, 0);
      nesterovUpdateSummed(backward, new Float32Array(2), [c, b, a], 1, 0);
      // (1e8 + 1) - 1e8 = 0 in float32, (-1e8 + 1) + 1e8 = 0 too, but in the other slot 1 survives.
      expect([...forward]).not.toEqual([...backward]);
    });

    it('rejects parts of another length, and no parts at all, before touching anything', () => {
      const p = Float32Array.of(1, 2, 3);
      expect(() => nesterovUpdateSummed(p, new Float32Array(3), [new Float32Array(3).fill(1), new Float32Array(2)], 0.1, 0.9)).toThrow(SizeMismatchError);
      expect(() => nesterovUpdateSummed(p, new Float32Array(3), [], 0.1, 0.9)).toThrow(SizeMismatchError);
      expect([...p]).toEqual([1, 2, 3]);
    });
  });
});
