/**
 * Each training kernel against the stock cpu backend on the same inputs,
 * through the public ops and their gradients (what training runs), including
 * the cases the kernels hand back to the stock wasm kernels.
 */
import * as tf from '../tf.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '@kfkd/data';
import { selectBackend } from '../backend.ts';
import { WASM_TRAINING_KERNELS, wasmTrainingKernelsRegistered } from './register.ts';
import { relativeError } from './testing.ts';
import { asWasm, loopsOf } from './wasm-backend.ts';

/** Random float32 data; `zeros` of the values are exactly 0 (ReLU outputs tie at 0). */
function data(n: number, seed: number, zeros = 0): Float32Array {
  const rng = new Rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(0, 1) < zeros ? 0 : rng.uniform(-1, 1);
  return a;
}

/** Runs `f` on fresh tensors made from `inputs` on cpu and on wasm; returns both results' values. */
async function onBoth(inputs: { values: Float32Array; shape: number[] }[], f: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[]): Promise<{ cpu: Float32Array[]; wasm: Float32Array[] }> {
  const run = async (backend: 'cpu' | 'wasm') => {
    await selectBackend(backend);
    return tf.tidy(() => {
      const out = f(...inputs.map((i) => tf.tensor(i.values, i.shape, 'float32')));
      return (Array.isArray(out) ? out : [out]).map((t) => t.dataSync() as Float32Array);
    });
  };
  const cpu = await run('cpu');
  const wasm = await run('wasm');
  return { cpu, wasm };
}

async function expectParity(inputs: { values: Float32Array; shape: number[] }[], f: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[], tolerance = 1e-5): Promise<void> {
  const { cpu, wasm } = await onBoth(inputs, f);
  expect(wasm.length).toBe(cpu.length);
  cpu.forEach((c, i) => {
    expect(wasm[i].length).toBe(c.length);
    expect(relativeError(wasm[i], c)).toBeLessThan(tolerance);
  });
}

const t = (shape: number[], seed: number, zeros = 0) => ({ values: data(shape.reduce((a, b) => a * b, 1), seed, zeros), shape });

beforeAll(async () => {
  await selectBackend('wasm');
});

afterAll(async () => {
  await selectBackend('cpu');
});

describe('wasm training kernels', () => {
  it('are registered for the wasm backend only', () => {
    expect(wasmTrainingKernelsRegistered()).toBe(true);
    for (const k of WASM_TRAINING_KERNELS) {
      expect(tf.getKernel(k.kernelName, 'wasm')?.kernelFunc).toBe(k.kernelFunc);
      expect(tf.getKernel(k.kernelName, 'cpu')?.kernelFunc).not.toBe(k.kernelFunc);
    }
  });

  it("have their SIMD loops compiled on the backend's memory (else they fall back silently)", () => {
    expect(loopsOf(asWasm(tf.backend()))).not.toBeNull();
  });

  const convCases: { name: string; x: number[]; k: number[]; stride: number; pad: 'valid' | 'same' }[] = [
    { name: 'net2 conv1 (1 channel, 3x3)', x: [2, 20, 19, 1], k: [3, 3, 1, 4], stride: 1, pad: 'valid' },
    { name: 'net2 conv2 (2x2)', x: [3, 11, 12, 5], k: [2, 2, 5, 6], stride: 1, pad: 'valid' },
    { name: 'same padding', x: [2, 9, 8, 3], k: [3, 3, 3, 4], stride: 1, pad: 'same' },
    { name: 'stride 2 (input gradient by the stock kernel)', x: [2, 11, 10, 3], k: [3, 3, 3, 2], stride: 2, pad: 'valid' },
    { name: 'stride 2, same padding', x: [1, 9, 9, 2], k: [2, 2, 2, 3], stride: 2, pad: 'same' },
    // The SIMD filter gradient: 4 x 8 blocks with both remainders (kw*cin = 10, cout = 12), several images per thread.
    { name: 'SIMD filter gradient, 4 x 8 blocks and remainders', x: [5, 8, 9, 5], k: [2, 2, 5, 12], stride: 1, pad: 'valid' },
    { name: 'SIMD filter gradient, stride 2', x: [3, 11, 11, 4], k: [3, 3, 4, 8], stride: 2, pad: 'valid' },
    { name: 'SIMD filter gradient, vertical padding only', x: [2, 9, 8, 4], k: [3, 1, 4, 8], stride: 1, pad: 'same' },
  ];
  for (const c of convCases) {
    it(`conv2d gradients match cpu: ${c.name}`, async () => {
      await expectParity([t(c.x, 1), t(c.k, 2)], (x, k) => {
        const conv = (a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad);
        const y = conv(x, k);
        const dy = tf.tensor(data(y.size, 3), y.shape);
        const [dx, dk] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a, b), dy)))([x, k]);
        return [dx, dk];
      });
    });
  }

  it('conv2d filter gradient over many output rows (several chunks) matches cpu', async () => {
    await expectParity([t([6, 40, 40, 8], 4), t([3, 3, 8, 16], 5)], (x, k) =>
      tf.grad((b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(x as tf.Tensor4D, b as tf.Tensor4D, 1, 'valid'))))(k),
    );
  });

  const fusedCases: { name: string; x: number[]; k: number[]; stride: number; pad: 'valid' | 'same' }[] = [
    { name: 'net2 conv1 (1 channel, 3x3; SIMD loops)', x: [3, 14, 13, 1], k: [3, 3, 1, 32], stride: 1, pad: 'valid' },
    { name: 'blocks and remainders (SIMD loops)', x: [2, 9, 11, 5], k: [2, 2, 5, 12], stride: 1, pad: 'valid' },
    { name: 'stride 2 (SIMD loops)', x: [2, 11, 11, 4], k: [3, 3, 4, 8], stride: 2, pad: 'valid' },
    { name: 'same padding (stock kernel)', x: [2, 9, 8, 3], k: [3, 3, 3, 4], stride: 1, pad: 'same' },
  ];
  for (const c of fusedCases) {
    it(`fused conv2d + bias + relu matches cpu: ${c.name}`, async () => {
      await expectParity([t(c.x, 30), t(c.k, 31), t([c.k[3]], 32)], (x, k, b) =>
        tf.fused.conv2d({ x: x as tf.Tensor4D, filter: k as tf.Tensor4D, strides: c.stride, pad: c.pad, bias: b, activation: 'relu' }),
      );
    });
  }

  const poolCases: { name: string; x: number[]; size: number; stride: number; pad: 'valid' | 'same'; zeros: number }[] = [
    { name: '2x2 stride 2, 8 channels, ties at 0 (SIMD loop)', x: [2, 8, 10, 8], size: 2, stride: 2, pad: 'valid', zeros: 0.6 },
    { name: '2x2 stride 2, 3 channels, ties at 0 (TypeScript loop)', x: [2, 8, 10, 3], size: 2, stride: 2, pad: 'valid', zeros: 0.6 },
    { name: 'odd sizes (border rows dropped)', x: [2, 9, 7, 4], size: 2, stride: 2, pad: 'valid', zeros: 0.3 },
    { name: 'overlapping 3x3 stride 2, same padding', x: [1, 9, 9, 2], size: 3, stride: 2, pad: 'same', zeros: 0.3 },
  ];
  for (const c of poolCases) {
    it(`maxPool gradient matches cpu: ${c.name}`, async () => {
      await expectParity([t(c.x, 6, c.zeros)], (x) => {
        const pool = (a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, c.size, c.stride, c.pad);
        const dy = tf.tensor(data(pool(x).size, 7), pool(x).shape);
        return tf.grad((a: tf.Tensor) => tf.sum(tf.mul(pool(a), dy)))(x);
      }, 1e-7);
    });
  }

  it('relu gradient (ReluGrad kernel) matches cpu, including a tail that is not a multiple of 4', async () => {
    for (const shape of [[3, 10, 10, 8], [7, 3]]) {
      await expectParity([t(shape, 18, 0.2), t(shape, 19)], (x, dy) => tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.relu(a), dy)))(x), 1e-7);
    }
  });

  it('matMul with every transpose combination, and batched, matches cpu', async () => {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const a = t(ta ? [37, 5] : [5, 37], 8);
      const b = t(tb ? [11, 37] : [37, 11], 9);
      await expectParity([a, b], (x, y) => tf.matMul(x, y, ta, tb));
      // a tall product whose transposed plan swaps the operands
      await expectParity([t(ta ? [300, 7] : [7, 300], 10), t(tb ? [900, 300] : [300, 900], 11)], (x, y) => tf.matMul(x, y, ta, tb));
    }
    await expectParity([t([3, 4, 6], 12), t([3, 5, 6], 13)], (x, y) => tf.matMul(x, y, false, true));
  });

  it('matMul on the SIMD loops (dense forward, x^T dy: packed panels and not) matches cpu', async () => {
    // few rows times big weights: 4-row blocks and a remainder, 8-column blocks and a remainder
    await expectParity([t([7, 700], 20), t([700, 100], 21)], (x, y) => tf.matMul(x, y));
    // a^T b: panels of 64 columns and a remainder (k = 150), and k not a multiple of 4 (no panels)
    await expectParity([t([40, 150], 22), t([40, 36], 23)], (x, y) => tf.matMul(x, y, true, false));
    await expectParity([t([40, 131], 24), t([40, 20], 25)], (x, y) => tf.matMul(x, y, true, false));
  });

  it('dense-layer gradients (matMul backward) match cpu', async () => {
    await expectParity([t([16, 200], 14), t([200, 50], 15)], (x, w) => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.matMul(a, b))))([x, w]));
  });

  it('sum over the leading axes (bias gradients) matches cpu; other reductions too', async () => {
    await expectParity([t([4, 30, 31, 8], 16)], (x) => [tf.sum(x, [0, 1, 2]), tf.sum(x, [0, 1, 2], true), tf.sum(x, [1, 2]), tf.sum(x, -1), tf.sum(x)]);
    await expectParity([t([700, 30], 17)], (x) => tf.sum(x, 0));
  });
});
