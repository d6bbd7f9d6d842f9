/**
 * The outer-product loops and their helpers against plain TypeScript
 * references, on a memory of their own (no tfjs), then the same calls split
 * over a helper thread on a shared memory.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '@kfkd/data';
import { CallList, runParallel, startHelpers, stopHelpers, threadsFor } from './helpers.ts';
import { type HeapMemory, SIMD_LOOPS, type SimdLoops, simdLoops } from './loops.ts';
import { OUTER_T_MAX, OUTER_V_MAX } from './outer-product.ts';

interface Sweep {
  rows: number;
  width: number;
  xPix: number;
  xRow: number;
  dyPix: number;
  dyRow: number;
  dwRow: number;
  tBlocks: number;
  oBlocks: number;
  xT?: number;
  /** bias_relu variants: float index of bias[0]. */
  bias?: number;
}

/** What an outer-product loop computes, on float indices (strides in floats). */
function reference(mem: Float32Array, x: number, dy: number, dw: number, T: number, V: number, s: Sweep): void {
  const tStep = s.xT ?? 1;
  for (let tb = 0; tb < s.tBlocks; tb++) {
    for (let ob = 0; ob < s.oBlocks; ob++) {
      for (let t = 0; t < T; t++) {
        for (let o = 0; o < 4 * V; o++) {
          // float32 accumulation in the loop's order
          let acc = s.bias === undefined ? mem[dw + (tb * T + t) * s.dwRow + ob * 4 * V + o] : mem[s.bias + ob * 4 * V + o];
          for (let r = 0; r < s.rows; r++) {
            for (let j = 0; j < s.width; j++) {
              const xv = mem[x + tb * T * tStep + t * tStep + r * s.xRow + j * s.xPix];
              const dv = mem[dy + ob * 4 * V + o + r * s.dyRow + j * s.dyPix];
              acc = Math.fround(acc + Math.fround(xv * dv));
            }
          }
          mem[dw + (tb * T + t) * s.dwRow + ob * 4 * V + o] = s.bias === undefined ? acc : Math.max(acc, 0);
        }
      }
    }
  }
}

function fill(mem: Float32Array, seed: number): void {
  const rng = new Rng(seed);
  for (let i = 0; i < mem.length; i++) mem[i] = rng.uniform(-1, 1);
}

/** WebAssembly.Memory (the project's TypeScript libs have no WebAssembly declarations). */
const Memory = (globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => HeapMemory } }).WebAssembly.Memory;

function loopsOn(memory: HeapMemory): SimdLoops {
  const loops = simdLoops(memory);
  if (!loops) throw new Error('no WebAssembly SIMD here');
  return loops;
}

const X = 0;
const DY = 1 << 14;
const DW = 1 << 15;

describe('SIMD outer-product loops', () => {
  const memory = new Memory({ initial: 4 });
  const loops = loopsOn(memory);

  for (let T = 1; T <= OUTER_T_MAX; T++) {
    for (let V = 1; V <= OUTER_V_MAX; V++) {
      for (const [strided, biasRelu] of [[false, false], [true, false], [true, true]]) {
        it(`${T} x ${V}${strided ? ' (strided)' : ''}${biasRelu ? ' (bias, ReLU)' : ''} accumulates the sums of outer products, bit for bit`, () => {
          const mem = new Float32Array(memory.buffer);
          const s: Sweep = { rows: 3, width: 5, xPix: strided ? 1 : 7, xRow: 40, dyPix: 24, dyRow: 130, dwRow: 20, tBlocks: 2, oBlocks: 2, xT: strided ? 9 : undefined, bias: biasRelu ? 3000 : undefined };
          fill(mem, T * 10 + V);
          const expected = mem.slice();
          reference(expected, X, DY, DW, T, V, s);
          const args = [X * 4, DY * 4, DW * 4, s.rows, s.width, s.xPix * 4, s.xRow * 4, s.dyPix * 4, s.dyRow * 4, s.dwRow * 4, s.tBlocks, s.oBlocks];
          loops.byIndex[loops.outerIndex(T, V, strided, biasRelu)](...args, ...(s.xT ? [s.xT * 4] : []), ...(s.bias ? [s.bias * 4] : []));
          expect(new Float32Array(memory.buffer)).toEqual(expected);
        });
      }
    }
  }

  it('add_f32_to_f64, zero_vectors and copy_rows', () => {
    const mem = new Float32Array(memory.buffer);
    fill(mem, 5);
    const f64 = new Float64Array(memory.buffer, 8192 * 4, 12);
    const before = Float64Array.from(f64);
    loops.add_f32_to_f64(64 * 4, 8192 * 4, 3);
    for (let i = 0; i < 12; i++) expect(f64[i]).toBe(before[i] + mem[64 + i]);
    loops.zero_vectors(100 * 4, 2);
    expect(Array.from(mem.subarray(100, 108))).toEqual(Array(8).fill(0));
    expect(mem[108]).not.toBe(0);
    const expected = mem.slice();
    for (let r = 0; r < 3; r++) for (let c = 0; c < 8; c++) expected[2000 + r * 12 + c] = mem[300 + r * 50 + c];
    loops.copy_rows(300 * 4, 50 * 4, 2000 * 4, 12 * 4, 3, 8 * 4);
    expect(new Float32Array(memory.buffer)).toEqual(expected);
  });
});

describe('SIMD helper threads', () => {
  afterAll(async () => {
    await stopHelpers();
  });

  it('run call lists on a shared memory in parallel with this thread, each list once', async () => {
    const memory = new Memory({ initial: 4, maximum: 64, shared: true });
    const loops = loopsOn(memory);
    await startHelpers(loops, 1, SIMD_LOOPS.map((f) => f.name));
    for (let i = 0; i < 200 && threadsFor(loops) < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(threadsFor(loops)).toBe(2);
    const mem = new Float32Array(memory.buffer);
    fill(mem, 9);
    const s: Sweep = { rows: 2, width: 6, xPix: 4, xRow: 30, dyPix: 16, dyRow: 100, dwRow: 16, tBlocks: 1, oBlocks: 2 };
    const expected = mem.slice();
    // Disjoint blocks of dw rows, more lists than threads: each list runs once, on whichever thread takes it.
    const parts = 6;
    for (let part = 0; part < parts; part++) reference(expected, X + 4 * part, DY, DW + part * 64, 4, 2, s);
    const lists = Array.from({ length: parts }, (_, part) => {
      const calls = new CallList();
      calls.push(loops.outerIndex(4, 2), (X + 4 * part) * 4, DY * 4, (DW + part * 64) * 4, s.rows, s.width, s.xPix * 4, s.xRow * 4, s.dyPix * 4, s.dyRow * 4, s.dwRow * 4, 1, 2);
      return calls;
    });
    runParallel(loops, lists);
    expect(new Float32Array(memory.buffer)).toEqual(expected);
  });
});
