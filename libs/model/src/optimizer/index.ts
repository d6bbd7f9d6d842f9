/**
 * The optimizer the trainer applies after each step (the tutorial's
 * Lasagne Nesterov momentum with its schedules and early stopping):
 *  - nesterov.ts        the update over flat Float32Arrays, summing the gradient parts
 *  - update-memory.ts   where parameters, velocities and gradient buffers live so the update runs as SIMD
 *  - update-loops.ts    the WebAssembly SIMD loops of the update and of the NaN/Inf scan
 *  - schedule.ts        learning rate and momentum per epoch (AdjustVariable)
 *  - early-stopping.ts  the EarlyStopping callback: best weights, patience
 */
export * from './nesterov.ts';
export * from './update-memory.ts';
export * from './schedule.ts';
export * from './early-stopping.ts';
