import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../libs/model/src/index.ts';
await selectBackend('wasm');
function time(label: string, flops: number, f: () => tf.Tensor, reps = 3) {
  tf.tidy(() => f().dataSync());
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    tf.tidy(() => { f().dataSync(); });
    best = Math.min(best, performance.now() - t);
  }
  console.log(label.padEnd(50), best.toFixed(1).padStart(8), 'ms', (flops / best / 1e6).toFixed(2).padStart(7), 'GFLOP/s');
}
const N = 128;
const x1 = tf.randomNormal([N, 96, 96, 1]) as tf.Tensor4D;
const w1 = tf.randomNormal([3, 3, 1, 32]) as tf.Tensor4D;
const x2 = tf.randomNormal([N, 47, 47, 32]) as tf.Tensor4D;
const w2 = tf.randomNormal([2, 2, 32, 64]) as tf.Tensor4D;
const x3 = tf.randomNormal([N, 23, 23, 64]) as tf.Tensor4D;
const w3 = tf.randomNormal([2, 2, 64, 128]) as tf.Tensor4D;
time('conv1 fwd', N * 94 * 94 * 32 * 9 * 2, () => tf.conv2d(x1, w1, 1, 'valid'));
time('conv2 fwd', N * 46 * 46 * 64 * 128 * 2, () => tf.conv2d(x2, w2, 1, 'valid'));
time('conv3 fwd', N * 22 * 22 * 128 * 256 * 2, () => tf.conv2d(x3, w3, 1, 'valid'));
const d3 = tf.randomNormal([N, 22, 22, 128]) as tf.Tensor4D;
const w3f = tf.randomNormal([2, 2, 128, 64]) as tf.Tensor4D; // flipped/transposed
time('conv3 dx as full conv (pad 1)', N * 23 * 23 * 64 * 512 * 2, () => tf.conv2d(d3, w3f, 1, [[0,0],[1,1],[1,1],[0,0]]));
time('conv3 dx stock Conv2DBackpropInput', N * 23 * 23 * 64 * 512 * 2, () => tf.conv2dTranspose(d3, w3, [N, 23, 23, 64], 1, 'valid'));
const a = tf.randomNormal([N, 15488]);
const b = tf.randomNormal([15488, 500]);
time('dense4 fwd [128,15488]x[15488,500]', N * 15488 * 500 * 2, () => tf.matMul(a, b));
const dy = tf.randomNormal([N, 500]);
const bt = tf.transpose(b);
time('dense4 dx dy x W^T (pre-transposed)', N * 15488 * 500 * 2, () => tf.matMul(dy, bt));
time('dense4 dx dy x W^T (flag)', N * 15488 * 500 * 2, () => tf.matMul(dy, b, false, true), 1);
const at = tf.transpose(a);
time('dense4 dW a^T x dy (pre-transposed)', N * 15488 * 500 * 2, () => tf.matMul(at, dy));
time('dense4 dW dy^T x a -> [500,15488]', N * 15488 * 500 * 2, () => tf.matMul(tf.transpose(dy), a));
time('transpose a', 0, () => tf.transpose(a));
const n1 = tf.randomNormal([N, 9216]);
const w = tf.randomNormal([9216, 100]);
time('net1 fwd', N * 9216 * 100 * 2, () => tf.matMul(n1, w));
const dyn1 = tf.randomNormal([N, 100]);
time('net1 dW via transpose', N * 9216 * 100 * 2, () => tf.matMul(tf.transpose(n1), dyn1));
time('net1 dW^T = dy^T x', N * 9216 * 100 * 2, () => tf.matMul(tf.transpose(dyn1), n1));
const big = tf.randomNormal([N, 94, 94, 32]);
time('relu big', 0, () => tf.relu(big));
time('add big', 0, () => tf.add(big, big));
time('maxpool big', 0, () => tf.maxPool(big as tf.Tensor4D, 2, 2, 'valid'));
console.log(tf.memory());
