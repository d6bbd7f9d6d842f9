/**
 * @kfkd/model: the tutorial's nets as data, tfjs models built from them, the
 * flat parameter layout, the Lasagne Nesterov update, schedules, early
 * stopping, gradient sums on a tfjs backend, backend selection and model I/O.
 */
export * from './errors.ts';
export * from './net-specs/index.ts';
export * from './param-layout.ts';
export * from './init.ts';
export * from './build-model.ts';
export * from './optimizer/index.ts';
export * from './dropout.ts';
export * from './gradients.ts';
export { im2colConv2d, matMulPlainGrads } from './convolution.ts';
export * from './backend.ts';
export { GPU_LIBRARIES, type GpuLibraryProblem, type LibraryLoad, probeGpuLibraries, tryLoadLibrary } from './gpu-probe.ts';
export { registerWasmTrainingKernels, unregisterWasmTrainingKernels, wasmTrainingKernelsRegistered } from './wasm-training/register.ts';
export * from './model-io.ts';
export * from './saved-parameters.ts';
export * from './training/step-plan.ts';
export * from './training/training-data.ts';
export * from './training/gradient-source.ts';
export * from './training/local-source.ts';
export * from './training/trainer.ts';
export * from './training/history.ts';
export * from './training/epoch-table.ts';
export * from './training/run-directory.ts';
export * from './training/overrides.ts';
export * from './prediction-merge.ts';
