/**
 * Identity (tf.clone) for the wasm backend without a copy.
 *
 * The engine clones every tensor a gradient needs (the inputs and outputs of
 * each conv, ReLU and pool of the forward pass) when it records them for
 * backprop; the stock wasm kernel copies the data each time, hundreds of MB
 * per net2 step. Tensor data never changes in place in tfjs (a variable's
 * assign swaps its data), so the clone can share the data and count a
 * reference, as the cpu backend's identity does.
 */
import * as tf from '../tf.ts';
import { stockKernel } from './stock-kernels.ts';
import { type KernelArgs, asWasm, runWasmKernel } from './wasm-backend.ts';

export function identity(args: KernelArgs): tf.TensorInfo {
  const backend = asWasm(args.backend);
  const { x } = args.inputs as { x: tf.TensorInfo };
  if (x.dtype === 'string') return runWasmKernel(stockKernel(tf.Identity), backend, args.inputs, args.attrs);
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export const identityConfig: tf.KernelConfig = {
  kernelName: tf.Identity,
  backendName: 'wasm',
  kernelFunc: identity,
};
