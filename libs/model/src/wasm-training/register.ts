/**
 * The wasm training kernels, and the one call that puts them in place.
 *
 * Only the 'wasm' backend's entries of the kernel registry change (plus
 * Relu's gradient, which uses the new ReluGrad kernel where a backend has it
 * and tfjs-core's formula elsewhere), so the standard ops, the Layers API and
 * the saved model format are the same as everywhere else; a kernel replaced
 * here stays reachable through stockKernel() for the cases it hands back.
 */
import * as tf from '../tf.ts';
import { batchMatMulConfig } from './batch-mat-mul.ts';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.ts';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input.ts';
import { fusedConv2DConfig } from './fused-conv2d.ts';
import { identityConfig } from './identity.ts';
import { maxPoolGradConfig } from './max-pool-grad.ts';
import { scalePixelsConfig } from './pixels.ts';
import { reluGradConfig, reluGradientConfig } from './relu-grad.ts';
import { captureStockKernel } from './stock-kernels.ts';
import { sumConfig } from './sum.ts';

/** Every kernel this package registers for the wasm backend. */
export const WASM_TRAINING_KERNELS: readonly tf.KernelConfig[] = [
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  maxPoolGradConfig,
  batchMatMulConfig,
  sumConfig,
  reluGradConfig,
  identityConfig,
  scalePixelsConfig,
  fusedConv2DConfig,
];

/** Gradients this package replaces (for every backend: each falls back to tfjs-core's formula without its kernel). */
export const WASM_TRAINING_GRADIENTS: readonly tf.GradConfig[] = [reluGradientConfig];

let registered = false;
const stockGradients = new Map<string, tf.GradConfig>();

/**
 * Registers the training kernels for the 'wasm' backend (idempotent). Call it
 * after @tensorflow/tfjs-backend-wasm is imported (its import registers the
 * stock kernels); before or after the backend is initialised both work.
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  for (const config of WASM_TRAINING_KERNELS) {
    const stock = captureStockKernel(config.kernelName);
    if (stock) tf.unregisterKernel(config.kernelName, 'wasm');
    // The stock setup (if any) still has to run when the backend initialises:
    // the kernels hand some cases back to the stock function.
    tf.registerKernel({ ...config, setupFunc: stock?.setupFunc, disposeFunc: stock?.disposeFunc });
  }
  for (const config of WASM_TRAINING_GRADIENTS) {
    const stock = tf.getGradient(config.kernelName);
    if (stock && !stockGradients.has(config.kernelName)) stockGradients.set(config.kernelName, stock);
    tf.registerGradient(config);
  }
  registered = true;
}

/**
 * Puts the stock wasm kernels back (benchmarks compare the two; training has
 * no reason to). Conv2DBackpropFilter then no longer exists on wasm.
 */
export function unregisterWasmTrainingKernels(): void {
  if (!registered) return;
  for (const config of WASM_TRAINING_KERNELS) {
    tf.unregisterKernel(config.kernelName, 'wasm');
    const stock = captureStockKernel(config.kernelName);
    if (stock) tf.registerKernel(stock);
  }
  for (const config of WASM_TRAINING_GRADIENTS) {
    const stock = stockGradients.get(config.kernelName);
    if (stock) tf.registerGradient(stock);
  }
  registered = false;
}

/** Whether the training kernels are in place for the wasm backend. */
export function wasmTrainingKernelsRegistered(): boolean {
  return registered;
}
