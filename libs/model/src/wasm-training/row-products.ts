/**
 * out[k, o] = sum over m of lhsT[k, m] * rhs[m, o] for a tall rhs (m runs over
 * every pixel of a batch), on XNNPACK's forward product.
 *
 * One product over a million-long inner dimension streams both operands from
 * memory once per output tile; cut into chunks of a few thousand rows, each
 * chunk's operands stay in cache. Partial sums add up in float64, so the
 * result is as accurate as the cpu backend's float64 loops for any batch.
 */
import * as tf from '../tf.ts';
import { stockKernel } from './stock-kernels.ts';
import { type WasmBackend, dispose, f32, makeF32, offsetOf, runWasmKernel } from './wasm-backend.ts';

/** Floats of one chunk's two operands; ~2 MB stays in L2/L3 while XNNPACK works. */
const CHUNK_FLOATS = 1 << 19;

export interface RowProductsSpec {
  /** Rows of lhsT (k). */
  readonly lhsRows: number;
  /** The tall operand, read as [m, cols] row-major (any shape with that many elements). */
  readonly rhs: tf.TensorInfo;
  readonly rhsCols: number;
  /** m is taken in whole granules (e.g. the pixels of one output row). */
  readonly granule: number;
  /** Writes lhsT[:, first .. first + count) as a [lhsRows, count] row-major block (`lhsT`, at byte `lhsOffset` of the heap). */
  fillLhsT(lhsT: Float32Array, first: number, count: number, lhsOffset: number): void;
}

export function rowProducts(backend: WasmBackend, spec: RowProductsSpec): Float64Array {
  const { lhsRows: k, rhs, rhsCols: n, granule } = spec;
  const m = rhs.shape.reduce((a, b) => a * b, 1) / n;
  const granules = m / granule;
  const perChunk = Math.max(1, Math.min(granules, Math.floor(CHUNK_FLOATS / ((k + n) * granule))));
  const acc = new Float64Array(k * n);
  const matMul = stockKernel(tf.BatchMatMul);
  let lhs: tf.TensorInfo | null = null;
  try {
    for (let g0 = 0; g0 < granules; g0 += perChunk) {
      const count = Math.min(perChunk, granules - g0) * granule;
      const first = g0 * granule;
      if (lhs === null || lhs.shape[2] !== count) {
        if (lhs) dispose(backend, lhs);
        lhs = makeF32(backend, [1, k, count]);
      }
      // A fresh right operand per chunk: XNNPACK caches its packed copy of it
      // by tensor id until that tensor is disposed.
      const rhsChunk = makeF32(backend, [1, count, n]);
      f32(backend, rhsChunk).set(f32(backend, rhs).subarray(first * n, (first + count) * n));
      spec.fillLhsT(f32(backend, lhs), first, count, offsetOf(backend, lhs));
      const part = runWasmKernel(matMul, backend, { a: lhs, b: rhsChunk }, { transposeA: false, transposeB: false });
      const p = f32(backend, part);
      for (let i = 0; i < acc.length; i++) acc[i] += p[i];
      dispose(backend, part, rhsChunk);
    }
  } finally {
    if (lhs) dispose(backend, lhs);
  }
  return acc;
}
