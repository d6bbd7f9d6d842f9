/**
 * Valid, stride-1 convolutions with their gradients, in the ways
 * GradientComputer (gradients.ts) may compute them: the backend's own Conv2D
 * kernels, the fused convolution + bias + ReLU of the wasm training kernels,
 * or im2col + matMul (see ConvolutionMode).
 */
import * as tf from './tf.ts';
import { RELU_GRAD } from './wasm-training/relu-grad.ts';

/** Valid, stride-1 convolution with the backend's Conv2D kernels. */
export function nativeConv2d(x: tf.Tensor4D, kernel: tf.Tensor4D): tf.Tensor4D {
  return tf.conv2d(x, kernel, 1, 'valid');
}

/**
 * relu(conv2d(x, w) + b), valid and stride 1, as the backend's FusedConv2D
 * (XNNPACK adds the bias and clamps as it writes the output: no separate
 * add and ReLU passes over the activations), with its gradient written out:
 * the ReLU gradient from the output (y > 0 exactly where the sum is), the
 * convolution's two gradient kernels and the bias sum. `xIsData`: x is the
 * batch itself, whose gradient nobody needs (it is then not computed).
 */
export function fusedConvRelu(x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D, xIsData: boolean): tf.Tensor4D {
  const forward = (xs: tf.Tensor4D, save: tf.GradSaveFunc) => {
    // The kernel itself: tf.fused.conv2d falls back to separate ops inside a gradient computation.
    const attrs = { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1], activation: 'relu' } as unknown as tf.NamedAttrMap;
    const y = tf.engine().runKernel(tf.FusedConv2D, { x: xs, filter: w, bias: b }, attrs) as tf.Tensor4D;
    save([xs, y]);
    return y;
  };
  const backward = (dy: tf.Tensor, saved: tf.Tensor[], withDx: boolean): tf.Tensor[] => {
    const [xs, y] = saved as [tf.Tensor4D, tf.Tensor4D];
    const dz = tf.engine().runKernel(RELU_GRAD, { dy, x: y }) as tf.Tensor4D;
    const attrs = { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', filterShape: w.shape } as unknown as tf.NamedAttrMap;
    const dw = tf.engine().runKernel(tf.Conv2DBackpropFilter, { x: xs, dy: dz }, attrs) as tf.Tensor4D;
    const db = tf.sum(dz, [0, 1, 2]);
    return withDx ? [tf.conv2dTranspose(dz, w, xs.shape, 1, 'valid'), dw, db] : [dw, db];
  };
  if (xIsData) {
    const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const save = args[2] as tf.GradSaveFunc;
      return { value: forward(x, (ts) => save(ts)), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => backward(dy, saved, false) };
    }) as (w: tf.Tensor4D, b: tf.Tensor1D) => tf.Tensor4D;
    return f(w, b);
  }
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[3] as tf.GradSaveFunc;
    return { value: forward(args[0] as tf.Tensor4D, save), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => backward(dy, saved, true) };
  }) as (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D) => tf.Tensor4D;
  return f(x, w, b);
}

/**
 * Valid, stride-1 convolution as im2col + matMul: patches[n, oh, ow, (i*kw + j)*cin + c]
 * = x[n, oh + i, ow + j, c], which is the row-major order of kernel[i, j, c, :].
 */
export function im2colConv2d(x: tf.Tensor4D, kernel: tf.Tensor4D, matMul: (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D = matMulPlainGrads): tf.Tensor4D {
  const [n, h, w, cin] = x.shape;
  const [kh, kw, , cout] = kernel.shape;
  const oh = h - kh + 1;
  const ow = w - kw + 1;
  const shifted: tf.Tensor4D[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) shifted.push(kh === 1 && kw === 1 ? x : tf.slice(x, [0, i, j, 0], [n, oh, ow, cin]));
  }
  const patches = shifted.length === 1 ? shifted[0] : tf.concat(shifted, 3);
  const y = matMul(tf.reshape(patches, [n * oh * ow, kh * kw * cin]), tf.reshape(kernel, [kh * kw * cin, cout]));
  return tf.reshape(y, [n, oh, ow, cout]);
}

/** tf.matMul with tfjs's own gradients (matMul with its transpose flags). */
export function plainMatMul(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(a, b);
}

/**
 * a x b whose gradients (dy x b^T, a^T x dy) transpose explicitly instead of
 * using matMul's transpose flags: same values, and on wasm ~30x faster.
 */
export const matMulPlainGrads: (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy, tf.transpose(sb)), tf.matMul(tf.transpose(sa), dy)];
    },
  };
}) as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;
