/**
 * Lasagne's Nesterov momentum (lasagne.updates.nesterov_momentum) over flat
 * Float32Arrays, in place:
 *
 *     v     <- mu * v - lr * g
 *     theta <- theta + mu * v - lr * g
 *
 * No weight decay. Every operation is a float32 operation, as in Theano's
 * float32 graph (floatX=float32) that the tutorial ran: each product, sum and
 * difference is rounded to float32, in the order written in update-loops.ts.
 * When the arrays live in an UpdateMemory the update runs there as
 * WebAssembly SIMD, otherwise as the loops below; both give the same bits.
 */
import { SizeMismatchError } from '../errors.ts';
import { updateMemoryOf } from './update-memory.ts';

const f = Math.fround;

/**
 * One Nesterov step. `gradScale` multiplies the gradient first, so a summed
 * gradient can be passed with gradScale = 1 / batchSize.
 * @throws SizeMismatchError when the three arrays differ in length.
 */
export function nesterovUpdate(
  params: Float32Array,
  velocity: Float32Array,
  grad: Float32Array,
  learningRate: number,
  momentum: number,
  gradScale = 1,
): void {
  nesterovUpdateSummed(params, velocity, [grad], learningRate, momentum, gradScale);
}

/**
 * Sums the gradient parts in their order (float32 rounding after every add,
 * exactly like adding them one by one into a zeroed Float32Array) and applies
 * nesterovUpdate with that sum, in one pass and without a temporary sum:
 * equal to `nesterovUpdate(params, velocity, sum(parts), ...)`.
 * @throws SizeMismatchError when an array differs in length from params, or there are no parts.
 */
export function nesterovUpdateSummed(
  params: Float32Array,
  velocity: Float32Array,
  parts: readonly Float32Array[],
  learningRate: number,
  momentum: number,
  gradScale = 1,
): void {
  const n = params.length;
  if (velocity.length !== n) throw new SizeMismatchError('velocity', n, velocity.length);
  if (parts.length === 0) throw new SizeMismatchError('gradient parts', 1, 0);
  for (const g of parts) if (g.length !== n) throw new SizeMismatchError('gradient', n, g.length);
  const lr = f(learningRate);
  const mu = f(momentum);
  const s = f(gradScale);
  const simd = updateMemoryOf(params)?.trySimdUpdate(params, velocity, parts, lr, mu, s);
  updateRange(params, velocity, parts, lr, mu, s, simd?.done ?? 0, n);
}

/** The update of values [from, to) in TypeScript; lr, mu and s are float32 values already. */
function updateRange(params: Float32Array, velocity: Float32Array, parts: readonly Float32Array[], lr: number, mu: number, s: number, from: number, to: number): void {
  // Storing into a Float32Array rounds to float32, like the f() calls.
  if (parts.length === 1) {
    const [g] = parts;
    for (let i = from; i < to; i++) {
      const step = f(lr * f(g[i] * s));
      const v = f(f(mu * velocity[i]) - step);
      velocity[i] = v;
      params[i] += f(f(mu * v) - step);
    }
    return;
  }
  // Specialised loops for the common counts keep the inner loop monomorphic.
  if (parts.length === 2) {
    const [a, b] = parts;
    for (let i = from; i < to; i++) {
      const step = f(lr * f(f(a[i] + b[i]) * s));
      const v = f(f(mu * velocity[i]) - step);
      velocity[i] = v;
      params[i] += f(f(mu * v) - step);
    }
    return;
  }
  const first = parts[0];
  const k = parts.length;
  for (let i = from; i < to; i++) {
    let g = first[i];
    for (let p = 1; p < k; p++) g = f(g + parts[p][i]);
    const step = f(lr * f(g * s));
    const v = f(f(mu * velocity[i]) - step);
    velocity[i] = v;
    params[i] += f(f(mu * v) - step);
  }
}
