/**
 * Sum for the wasm backend, fast when it reduces every axis but the last:
 * the bias gradient of a conv or dense layer (dy summed over batch and
 * pixels). The stock kernel first transposes the reduced axes innermost (a
 * full copy, several times slower than the sum itself); here it is one SIMD
 * pass adding rows (or, for channel counts not a multiple of 4, a product
 * ones[1, m] x dy[m, c] in cache-sized chunks). Other reductions go to the
 * stock kernel.
 */
import * as tf from '../tf.ts';
import { rowProducts } from './row-products.ts';
import { stockKernel } from './stock-kernels.ts';
import type { SimdLoops } from './simd/loops.ts';
import { type KernelArgs, type WasmBackend, asWasm, dispose, f32, loopsOf, makeF32, offsetOf, runWasmKernel } from './wasm-backend.ts';

/** Below this many rows the stock kernel is as fast. */
const MIN_ROWS = 256;
/** Rows summed in float32 before the float64 total: bounds the rounding error of long sums. */
const BLOCK_ROWS = 256;

export function sum(args: KernelArgs): tf.TensorInfo {
  const backend = asWasm(args.backend);
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
  const rank = x.shape.length;
  const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
  const leading = rank >= 2 && axes.length === rank - 1 && axes.every((a, i) => a === i);
  const cols = x.shape[rank - 1];
  const rows = cols > 0 ? tf.util.sizeFromShape(x.shape) / cols : 0;
  if (!leading || x.dtype !== 'float32' || rows < MIN_ROWS) return runWasmKernel(stockKernel(tf.Sum), backend, args.inputs, args.attrs);
  const loops = loopsOf(backend);
  const acc = loops && cols % 4 === 0 ? columnSums(loops, backend, x, rows, cols) : rowProducts(backend, { lhsRows: 1, rhs: x, rhsCols: cols, granule: 1, fillLhsT: (ones) => ones.fill(1) });
  const out = makeF32(backend, keepDims ? x.shape.map((d, i) => (i === rank - 1 ? d : 1)) : [cols]);
  f32(backend, out).set(acc);
  return out;
}

/** Column sums with the SIMD module: float32 partial sums over blocks of rows, added up in float64. */
function columnSums(loops: SimdLoops, backend: WasmBackend, x: tf.TensorInfo, rows: number, cols: number): Float64Array {
  const acc = new Float64Array(cols);
  const partial = makeF32(backend, [cols]);
  try {
    const xOffset = offsetOf(backend, x);
    const partialOffset = offsetOf(backend, partial);
    for (let r0 = 0; r0 < rows; r0 += BLOCK_ROWS) {
      const block = Math.min(BLOCK_ROWS, rows - r0);
      const p = f32(backend, partial);
      p.fill(0);
      loops.add_rows(xOffset + r0 * cols * 4, block, cols * 4, partialOffset);
      for (let c = 0; c < cols; c++) acc[c] += p[c];
    }
  } finally {
    dispose(backend, partial);
  }
  return acc;
}

export const sumConfig: tf.KernelConfig = {
  kernelName: tf.Sum,
  backendName: 'wasm',
  kernelFunc: sum,
};
