/**
 * The wasm backend's own kernels, for the cases the training kernels hand
 * back to them (other layouts, strides, batched products) and for the fast
 * forward kernels (XNNPACK convolution and matrix product) they are built on.
 * A kernel this package replaces is captured before it is replaced.
 */
import * as tf from '../tf.ts';

const captured = new Map<string, tf.KernelConfig>();

/** Remembers the wasm backend's current kernel `name` (once) before it is replaced. */
export function captureStockKernel(name: string): tf.KernelConfig | undefined {
  const existing = captured.get(name);
  if (existing) return existing;
  const config = tf.getKernel(name, 'wasm');
  if (config) captured.set(name, config);
  return config;
}

/** The wasm backend's own kernel `name` (the captured one if this package replaced it). */
export function stockKernel(name: string): tf.KernelFunc {
  const config = captured.get(name) ?? tf.getKernel(name, 'wasm');
  if (!config) throw new Error(`the wasm backend has no '${name}' kernel (is @tensorflow/tfjs-backend-wasm loaded?)`);
  return config.kernelFunc;
}
