/**
 * Call lists for the SIMD outer-product loops (simd/outer-product.ts): one
 * rectangle of outputs cut into the 4 x 8 bulk and the smaller remainders,
 * and the two matrix products of a dense layer that XNNPACK does poorly here.
 */
import * as tf from '../tf.ts';
import { CallList, partsFor, runParallel } from './simd/helpers.ts';
import type { SimdLoops } from './simd/loops.ts';
import { OUTER_T_MAX } from './simd/outer-product.ts';
import { type WasmBackend, dispose, f32, makeF32, offsetOf } from './wasm-backend.ts';

/** One outer-product sweep: byte offsets and strides as the loops take them (xT: strided variant). */
export interface OuterSweep {
  readonly x: number;
  readonly dy: number;
  readonly dw: number;
  readonly rows: number;
  readonly width: number;
  readonly xPix: number;
  readonly xRow: number;
  readonly dyPix: number;
  readonly dyRow: number;
  readonly dwRow: number;
  readonly xT?: number;
  /** A convolution's forward pass: the sums start from bias[o] (byte offset of bias[0]) and dw gets their ReLU (strided only). */
  readonly bias?: number;
}

/** Calls covering dw rows [0, tCount) and columns [0, oCount) (oCount a multiple of 4). */
export function pushOuterBlocks(calls: CallList, loops: SimdLoops, c: OuterSweep, tCount: number, oCount: number): void {
  const strided = c.xT !== undefined;
  const tStep = c.xT ?? 4;
  const tFull = Math.floor(tCount / OUTER_T_MAX);
  const tRest = tCount % OUTER_T_MAX;
  const oFull = Math.floor(oCount / 8);
  const oRest = (oCount % 8) / 4;
  const block = (t: number, v: number, tOff: number, oOff: number, tBlocks: number, oBlocks: number) => {
    if (tBlocks === 0 || oBlocks === 0) return;
    const args = [c.x + tOff * tStep, c.dy + oOff * 4, c.dw + tOff * c.dwRow + oOff * 4, c.rows, c.width, c.xPix, c.xRow, c.dyPix, c.dyRow, c.dwRow, tBlocks, oBlocks];
    const bias = c.bias === undefined ? [] : [c.bias + oOff * 4];
    calls.push(loops.outerIndex(t, v, strided, c.bias !== undefined), ...args, ...(strided ? [tStep] : []), ...bias);
  };
  block(OUTER_T_MAX, 2, 0, 0, tFull, oFull);
  block(OUTER_T_MAX, 1, 0, oFull * 8, tFull, oRest);
  if (tRest > 0) {
    block(tRest, 2, tFull * OUTER_T_MAX, 0, 1, oFull);
    block(tRest, 1, tFull * OUTER_T_MAX, oFull * 8, 1, oRest);
  }
}

/** Splits [0, count) into `parts` ranges whose bounds are multiples of `align` (the last takes the rest). */
export function split(count: number, parts: number, align: number): [number, number][] {
  const units = Math.ceil(count / align);
  return Array.from({ length: parts }, (_, i) => [Math.min(count, Math.floor((i * units) / parts) * align), Math.min(count, Math.floor(((i + 1) * units) / parts) * align)]);
}

/** Columns of a in one packed panel of matMulTransposedASimd. */
const PANEL = 64;

/**
 * a^T b for a [m, k] and b [m, n] (n a multiple of 4): a dense layer's
 * weight gradient x^T dy without a transpose of x. Panels of 64 columns of
 * a are copied to adjacent rows first (the rows of a wide a share cache
 * sets), then each panel's 64 rows of the result are summed over the m rows
 * in registers; the lists (spread over the threads) take disjoint panels.
 */
export function matMulTransposedASimd(loops: SimdLoops, backend: WasmBackend, a: tf.TensorInfo, b: tf.TensorInfo, m: number, k: number, n: number): tf.TensorInfo {
  const out = makeF32(backend, [k, n]);
  const parts = partsFor(loops, Math.floor(k / PANEL));
  const packed = k % 4 === 0;
  const panels = packed ? makeF32(backend, [parts, m * PANEL]) : null;
  try {
    const [ao, bo, oo] = [offsetOf(backend, a), offsetOf(backend, b), offsetOf(backend, out)];
    const lists = split(k, parts, PANEL).map(([t0, t1], part) => {
      const calls = new CallList();
      if (t1 <= t0) return calls;
      const dyCols = { dy: bo, rows: 1, width: m, xRow: 0, dyPix: n * 4, dyRow: 0, dwRow: n * 4 };
      if (!panels) {
        calls.push(loops.indexOf('zero_vectors'), oo + t0 * n * 4, ((t1 - t0) * n) / 4);
        pushOuterBlocks(calls, loops, { ...dyCols, x: ao + t0 * 4, dw: oo + t0 * n * 4, xPix: k * 4 }, t1 - t0, n);
        return calls;
      }
      const panel = offsetOf(backend, panels) + part * m * PANEL * 4;
      for (let p0 = t0; p0 < t1; p0 += PANEL) {
        const cols = Math.min(PANEL, t1 - p0);
        // The panel's rows of the result are zeroed just before they accumulate: they are in cache then.
        calls.push(loops.indexOf('zero_vectors'), oo + p0 * n * 4, (cols * n) / 4);
        calls.push(loops.indexOf('copy_rows'), ao + p0 * 4, k * 4, panel, cols * 4, m, cols * 4);
        pushOuterBlocks(calls, loops, { ...dyCols, x: panel, dw: oo + p0 * n * 4, xPix: cols * 4 }, cols, n);
      }
      return calls;
    });
    runParallel(loops, lists);
  } finally {
    if (panels) dispose(backend, panels);
  }
  return out;
}

/** Bytes of b one chunk of its rows spans: it stays in L2 while every row block of a passes over it. */
const B_CHUNK_BYTES = 192 * 1024;

/**
 * a b for a few rows a [m, k] and a large b [k, n] (n a multiple of 4): a
 * dense layer's forward pass. XNNPACK repacks b (the weights, new every
 * step) and streams it once per 4 rows of a; here b is read in place, in
 * chunks of rows that stay in cache while all of a's rows pass, so it comes
 * from memory once. The lists (spread over the threads) take disjoint
 * columns of the result.
 */
export function matMulSimd(loops: SimdLoops, backend: WasmBackend, a: tf.TensorInfo, b: tf.TensorInfo, m: number, k: number, n: number): tf.TensorInfo {
  const out = makeF32(backend, [m, n]);
  f32(backend, out).fill(0);
  const [ao, bo, oo] = [offsetOf(backend, a), offsetOf(backend, b), offsetOf(backend, out)];
  const parts = partsFor(loops, Math.floor(n / 16));
  const lists = split(n, parts, 8).map(([o0, o1]) => {
    const calls = new CallList();
    if (o1 <= o0) return calls;
    // Rows of this list's columns of b per chunk.
    const chunk = Math.max(16, Math.floor(B_CHUNK_BYTES / ((o1 - o0) * 4)));
    for (let k0 = 0; k0 < k; k0 += chunk) {
      const width = Math.min(chunk, k - k0);
      pushOuterBlocks(calls, loops, { x: ao + k0 * 4, dy: bo + (k0 * n + o0) * 4, dw: oo + o0 * 4, rows: 1, width, xPix: 4, xRow: 0, dyPix: n * 4, dyRow: 0, dwRow: n * 4, xT: k * 4 }, m, o1 - o0);
    }
    return calls;
  });
  runParallel(loops, lists);
  return out;
}
