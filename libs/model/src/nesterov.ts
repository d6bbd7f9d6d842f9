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
  const n = params.length;
  if (velocity.length !== n) throw new SizeMismatchError('velocity', n, velocity.length);
  if (grad.length !== n) throw new SizeMismatchError('gradient', n, grad.length);
  const lr = learningRate;
  const mu = momentum;
  const s = gradScale;
  for (let i = 0; i < n; i++) {
    const step = lr * (grad[i] * s);
    const v = Math.fround(mu * velocity[i] - step);
    velocity[i] = v;
    params[i] += mu * v - step;
  }
}
