/**
 * Lasagne's Nesterov momentum (lasagne.updates.nesterov_momentum) over flat
 * Float32Arrays, in place:
 *
 *     v     <- mu * v - lr * g
 *     theta <- theta + mu * v - lr * g
 *
 * No weight decay. Like Theano's float32 graph, the new velocity is rounded to
 * float32 before it is used in the parameter update.
 */
import { SizeMismatchError } from './errors.ts';

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
  const lr = learningRate;
  const mu = momentum;
  const s = gradScale;
  if (parts.length === 1) {
    const [g] = parts;
    for (let i = 0; i < n; i++) {
      const step = lr * (g[i] * s);
      const v = Math.fround(mu * velocity[i] - step);
      velocity[i] = v;
      params[i] += mu * v - step;
    }
    return;
  }
  // Specialised loops for the common counts keep the inner loop monomorphic and unrolled.
  if (parts.length === 2) {
    const [a, b] = parts;
    for (let i = 0; i < n; i++) {
      const step = lr * (Math.fround(a[i] + b[i]) * s);
      const v = Math.fround(mu * velocity[i] - step);
      velocity[i] = v;
      params[i] += mu * v - step;
    }
    return;
  }
  if (parts.length === 3) {
    const [a, b, c] = parts;
    for (let i = 0; i < n; i++) {
      const step = lr * (Math.fround(Math.fround(a[i] + b[i]) + c[i]) * s);
      const v = Math.fround(mu * velocity[i] - step);
      velocity[i] = v;
      params[i] += mu * v - step;
    }
    return;
  }
  if (parts.length === 4) {
    const [a, b, c, d] = parts;
    for (let i = 0; i < n; i++) {
      const step = lr * (Math.fround(Math.fround(Math.fround(a[i] + b[i]) + c[i]) + d[i]) * s);
      const v = Math.fround(mu * velocity[i] - step);
      velocity[i] = v;
      params[i] += mu * v - step;
    }
    return;
  }
  const first = parts[0];
  const k = parts.length;
  for (let i = 0; i < n; i++) {
    let g = first[i];
    for (let p = 1; p < k; p++) g = Math.fround(g + parts[p][i]);
    const step = lr * (g * s);
    const v = Math.fround(mu * velocity[i] - step);
    velocity[i] = v;
    params[i] += mu * v - step;
  }
}
