/**
 * Sum for the wasm backend, fast when it reduces every axis but the last:
 * the bias gradient of a conv or dense layer (dy summed over batch and
 * pixels). The stock kernel first transposes the reduced axes innermost (a
 * full copy, several times slower than the sum itself); here it is a product
 * ones[1, m] x dy[m, c] in cache-sized chunks (rowProducts). Other
 * reductions go to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { rowProducts } from './row-products.ts';
import { stockKernel } from './stock-kernels.ts';
import { type KernelArgs, asWasm, f32, makeF32, runWasmKernel } from './wasm-backend.ts';

/** Below this many rows the stock kernel is as fast. */
const MIN_ROWS = 256;

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
  const acc = rowProducts(backend, { lhsRows: 1, rhs: x, rhsCols: cols, granule: 1, fillLhsT: (ones) => ones.fill(1) });
  const out = makeF32(backend, keepDims ? x.shape.map((d, i) => (i === rank - 1 ? d : 1)) : [cols]);
  f32(backend, out).set(acc);
  return out;
}

export const sumConfig: tf.KernelConfig = {
  kernelName: tf.Sum,
  backendName: 'wasm',
  kernelFunc: sum,
};
