import { describe, expect, it } from 'vitest';
import { nesterovUpdateSummed } from './nesterov.ts';
import { UpdateMemory, firstNonFinite, updateMemoryOf } from './update-memory.ts';

const wave = (n: number, k: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(k * 7.1 + i * 0.37) * 10 ** ((i % 9) - 4));
const bits = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('UpdateMemory', () => {
  it('runs the update as WebAssembly SIMD on this Node', () => {
    const memory = new UpdateMemory(10, 2);
    expect(memory.simd).toBe(true);
    expect(updateMemoryOf(memory.parameters)).toBe(memory);
    expect(updateMemoryOf(new Float32Array(10))).toBeNull();
  });

  // 4099 values: the last 3 are updated by the TypeScript loop after the SIMD loop's 1024 vectors.
  for (const n of [4099, 4096, 3]) {
    for (const count of [1, 2, 3, 4, 5, 7]) {
      it(`gives the bits of the TypeScript update for ${count} parts of ${n} values`, () => {
        const memory = new UpdateMemory(n, count);
        const parts = Array.from({ length: count }, (_, k) => {
          const slot = memory.takeGradient();
          slot.set(wave(n, k + 1));
          return slot;
        });
        memory.parameters.set(wave(n, 20));
        memory.velocity.set(wave(n, 21).map((x) => x * 0.1));
        const p = memory.parameters.slice();
        const v = memory.velocity.slice();
        const plainParts = parts.map((x) => x.slice());
        for (let step = 0; step < 3; step++) {
          nesterovUpdateSummed(memory.parameters, memory.velocity, parts, 0.01 * (step + 1), 0.9, 1 / 96);
          nesterovUpdateSummed(p, v, plainParts, 0.01 * (step + 1), 0.9, 1 / 96);
        }
        expect(bits(memory.parameters).equals(bits(p))).toBe(true);
        expect(bits(memory.velocity).equals(bits(v))).toBe(true);
        expect(memory.parameters[0]).not.toBe(wave(n, 20)[0]);
      });
    }
  }

  it('falls back to the TypeScript loop (same bits) when a part lives elsewhere', () => {
    const n = 1000;
    const memory = new UpdateMemory(n, 1);
    const inside = memory.takeGradient();
    inside.set(wave(n, 1));
    const outside = wave(n, 2);
    memory.parameters.set(wave(n, 3));
    const p = memory.parameters.slice();
    const v = new Float32Array(n);
    nesterovUpdateSummed(memory.parameters, memory.velocity, [inside, outside], 0.1, 0.9);
    nesterovUpdateSummed(p, v, [inside.slice(), outside], 0.1, 0.9);
    expect(bits(memory.parameters).equals(bits(p))).toBe(true);
  });

  it('hands out plain arrays once its slots are taken, and all slots again after releaseGradients', () => {
    const memory = new UpdateMemory(8, 2);
    const a = memory.takeGradient();
    const b = memory.takeGradient();
    const c = memory.takeGradient();
    expect(a.buffer).toBe(memory.parameters.buffer);
    expect(b.buffer).toBe(memory.parameters.buffer);
    expect(c.buffer).not.toBe(memory.parameters.buffer);
    expect(c.length).toBe(8);
    memory.releaseGradients();
    expect(memory.takeGradient()).toBe(a);
  });

  it('keeps its arrays apart and 16-byte aligned', () => {
    const memory = new UpdateMemory(5, 2);
    const arrays = [memory.parameters, memory.velocity, memory.takeGradient(), memory.takeGradient()];
    for (const x of arrays) expect(x.byteOffset % 16).toBe(0);
    arrays.forEach((x, i) => x.fill(i + 1));
    arrays.forEach((x, i) => expect([...x]).toEqual(new Array(5).fill(i + 1)));
  });
});

describe('firstNonFinite', () => {
  it('finds the first NaN or infinity in a plain array', () => {
    expect(firstNonFinite(Float32Array.of(0, 1, -1))).toBe(-1);
    expect(firstNonFinite(Float32Array.of(0, Infinity, NaN))).toBe(1);
    expect(firstNonFinite(Float32Array.of(0, 1, NaN))).toBe(2);
  });

  it('finds it with the SIMD scan in an UpdateMemory, in any lane, vector or the tail', () => {
    const memory = new UpdateMemory(1031, 1);
    const slot = memory.takeGradient();
    slot.set(wave(1031, 3));
    expect(firstNonFinite(slot)).toBe(-1);
    for (const [at, value] of [[0, NaN], [5, Infinity], [514, -Infinity], [1027, NaN], [1030, NaN]] as const) {
      slot.set(wave(1031, 3));
      slot[at] = value;
      slot[1029] = NaN; // a later one must not win (except over the tail's last value)
      expect(firstNonFinite(slot)).toBe(Math.min(at, 1029));
    }
    // Huge finite values are finite.
    slot.fill(3.4e38);
    expect(firstNonFinite(slot)).toBe(-1);
  });
});
