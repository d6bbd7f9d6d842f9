/**
 * @kfkd/model: the tutorial's nets as data, tfjs models built from them, the
 * flat parameter layout, the Lasagne Nesterov update, schedules, early
 * stopping, gradient sums on a tfjs backend, backend selection and model I/O.
 */
export * from './errors.ts';
export * from './net-specs.ts';
export * from './param-layout.ts';
export * from './init.ts';
export * from './build-model.ts';
export * from './nesterov.ts';
export * from './schedule.ts';
export * from './early-stopping.ts';
export * from './dropout.ts';
export * from './gradients.ts';
export * from './backend.ts';
export * from './model-io.ts';
