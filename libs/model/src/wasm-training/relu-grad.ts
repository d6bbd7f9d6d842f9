/**
 * ReLU's gradient as one kernel: dx = x > 0 ? dy : 0.
 *
 * tfjs-core's gradient is mul(dy, cast(step(x))): three passes over the
 * activations, the largest tensors of a conv net. Here it is one SIMD pass
 * (simd/loops.ts). The kernel ('ReluGrad', TensorFlow's name for the op) is
 * registered for wasm only, and the Relu gradient below uses it wherever the
 * current backend has it, and tfjs-core's own formula everywhere else.
 */
import * as tf from '../tf.ts';
import { type KernelArgs, asWasm, f32, loopsOf, makeF32, offsetOf } from './wasm-backend.ts';

export const RELU_GRAD = 'ReluGrad';

export function reluGrad(args: KernelArgs): tf.TensorInfo {
  const backend = asWasm(args.backend);
  const { dy, x } = args.inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
  const out = makeF32(backend, x.shape);
  const size = tf.util.sizeFromShape(x.shape);
  const loops = loopsOf(backend);
  const vectors = loops ? Math.floor(size / 4) : 0;
  if (loops && vectors > 0) loops.relu_grad(offsetOf(backend, dy), offsetOf(backend, x), offsetOf(backend, out), vectors);
  const g = f32(backend, dy);
  const v = f32(backend, x);
  const o = f32(backend, out);
  for (let i = vectors * 4; i < size; i++) o[i] = v[i] > 0 ? g[i] : 0;
  return out;
}

export const reluGradConfig: tf.KernelConfig = {
  kernelName: RELU_GRAD,
  backendName: 'wasm',
  kernelFunc: reluGrad,
};

/** Relu's gradient: the ReluGrad kernel where the backend has one, else tfjs-core's formula. */
export const reluGradientConfig: tf.GradConfig = {
  kernelName: tf.Relu,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    const g = dy as tf.Tensor;
    return {
      x: () =>
        tf.getKernel(RELU_GRAD, tf.getBackend()) ? (tf.engine().runKernel(RELU_GRAD, { dy: g, x }) as tf.Tensor) : tf.mul(g, tf.cast(tf.step(x), 'float32')),
    };
  },
};
