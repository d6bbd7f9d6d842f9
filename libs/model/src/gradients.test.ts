import * as tf from './tf.ts';
import { IMAGE_PIXELS, IMAGE_SIDE, flipSpecFor } from '@kfkd/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from './backend.ts';
import { im2colConv2d, matMulPlainGrads } from './convolution.ts';
import { dropoutLayers, dropoutMasks, dropoutSeedsFor } from './dropout.ts';
import { SizeMismatchError } from './errors.ts';
import { GradientComputer } from './gradients.ts';
import { type NetSpec, netSpec } from './net-specs/index.ts';
import { closeness, randomBatch, sliceBatch } from './test-fixtures.ts';

/** tinyconv with dropout after each pool and after the dense layer (a test net). */
const TINY_DROPOUT: NetSpec = {
  ...netSpec('tinyconv-test'),
  name: 'tinyconv-dropout-test',
  layers: [
    { type: 'conv2d', name: 'conv1', filters: 4, kernelSize: 3 },
    { type: 'maxpool2d', name: 'pool1', poolSize: 2 },
    { type: 'dropout', name: 'dropout1', rate: 0.1 },
    { type: 'conv2d', name: 'conv2', filters: 8, kernelSize: 2 },
    { type: 'maxpool2d', name: 'pool2', poolSize: 2 },
    { type: 'dropout', name: 'dropout2', rate: 0.3 },
    { type: 'dense', name: 'hidden3', units: 16 },
    { type: 'dropout', name: 'dropout3', rate: 0.5 },
  ],
};

/** The same loss computed independently: the Sequential model's own layers (model.apply) and tf.variableGrads. */
function referenceGradients(gc: GradientComputer, pixels: Uint8Array, targets: Float32Array): { loss: number; grad: Float32Array } {
  const n = pixels.length / IMAGE_PIXELS;
  const o = gc.spec.outputs;
  const vars = gc.model.trainableWeights.map((w) => w.read() as tf.Variable);
  const shape = gc.spec.input === 'flat' ? [n, IMAGE_PIXELS] : [n, IMAGE_SIDE, IMAGE_SIDE, 1];
  const out = tf.tidy(() => {
    const x = tf.div(tf.tensor(Float32Array.from(pixels), shape), 255);
    const y = tf.tensor2d(targets, [n, o]);
    const { value, grads } = tf.variableGrads(() => {
      const pred = gc.model.apply(x, { training: false }) as tf.Tensor;
      // mean over outputs per sample, summed over samples
      return tf.sum(tf.mean(tf.square(tf.sub(pred, y)), 1)) as tf.Scalar;
    }, vars);
    return [value, ...vars.map((v) => grads[v.name])];
  });
  const grad = new Float32Array(gc.layout.size);
  gc.layout.entries.forEach((e, i) => grad.set(out[i + 1].dataSync(), e.offset));
  const loss = out[0].dataSync()[0];
  tf.dispose(out);
  return { loss, grad };
}

let tiny: GradientComputer;
let net1: GradientComputer;

beforeAll(async () => {
  await selectBackend('cpu');
  tiny = new GradientComputer(netSpec('tinyconv-test'), { seed: 1 });
  net1 = new GradientComputer(netSpec('net1'), { seed: 1 });
});

afterAll(() => {
  tiny?.dispose();
  net1?.dispose();
});

describe('GradientComputer', () => {
  it('computes the loss and gradient SUMS of tinyconv like the model itself', () => {
    const b = randomBatch(3, 30, 11);
    const r = tiny.computeGradients(b);
    const ref = referenceGradients(tiny, b.pixels, b.targets);
    expect(r.count).toBe(3);
    expect(r.lossSum).toBeCloseTo(ref.loss, 4);
    expect(closeness(r.gradSum, ref.grad, 1e-4, 1e-6)).toBeLessThan(1);
    expect(r.gradSum.some((g) => g !== 0)).toBe(true);
  });

  it('computes convolutions natively or as im2col with the same results', () => {
    expect(tiny.convolutionMode).toBe('im2col'); // 'auto' on the cpu backend
    const b = randomBatch(2, 30, 10);
    const native = new GradientComputer(tiny.spec, { parameters: tiny.getParameters(), convolution: 'native' });
    try {
      expect(native.convolutionMode).toBe('native');
      const a = native.computeGradients(b);
      const c = tiny.computeGradients(b);
      expect(c.lossSum).toBeCloseTo(a.lossSum, 4);
      expect(closeness(c.gradSum, a.gradSum, 1e-4, 1e-6)).toBeLessThan(1);
      expect(closeness(tiny.predict(b.pixels), native.predict(b.pixels), 1e-5, 1e-6)).toBeLessThan(1);
    } finally {
      native.dispose();
    }
    // a 3x3 kernel over several channels, checked against tf.conv2d directly
    const x = tf.randomNormal([2, 7, 6, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const k = tf.randomNormal([3, 3, 3, 5], 0, 1, 'float32', 2) as tf.Tensor4D;
    const ref = tf.conv2d(x, k, 1, 'valid');
    const got = im2colConv2d(x, k);
    expect(got.shape).toEqual([2, 5, 4, 5]);
    expect(closeness(got.dataSync(), ref.dataSync(), 1e-5, 1e-5)).toBeLessThan(1);
    tf.dispose([x, k, ref, got]);
  });

  it('matMulPlainGrads has the gradients of tf.matMul', () => {
    const a = tf.randomNormal([5, 7], 0, 1, 'float32', 3) as tf.Tensor2D;
    const b = tf.randomNormal([7, 4], 0, 1, 'float32', 4) as tf.Tensor2D;
    const c = tf.randomNormal([5, 4], 0, 1, 'float32', 5);
    const f = (mm: (x: tf.Tensor2D, y: tf.Tensor2D) => tf.Tensor2D) => tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(mm(x as tf.Tensor2D, y as tf.Tensor2D), c)))([a, b]);
    const [ga, gb] = f(matMulPlainGrads);
    const [ra, rb] = f((x, y) => tf.matMul(x, y));
    expect(closeness(ga.dataSync(), ra.dataSync(), 1e-5, 1e-6)).toBeLessThan(1);
    expect(closeness(gb.dataSync(), rb.dataSync(), 1e-5, 1e-6)).toBeLessThan(1);
    tf.dispose([a, b, c, ga, gb, ra, rb]);
  });

  it('computes net1 gradients like the model itself', () => {
    const b = randomBatch(16, 30, 12);
    const r = net1.computeGradients(b);
    const ref = referenceGradients(net1, b.pixels, b.targets);
    expect(r.lossSum).toBeCloseTo(ref.loss, 4);
    expect(closeness(r.gradSum, ref.grad, 1e-4, 1e-6)).toBeLessThan(1);
  });

  it('agrees with finite differences of evaluate() on a few parameters', () => {
    const b = randomBatch(2, 30, 13);
    const base = tiny.getParameters();
    const { gradSum } = tiny.computeGradients(b);
    try {
      // the largest gradients of a few tensors
      const picks: number[] = [];
      for (const name of ['conv1/kernel', 'conv2/bias', 'hidden3/kernel', 'output/kernel', 'output/bias']) {
        const e = tiny.layout.entries.find((x) => x.name === name)!;
        let best = e.offset;
        for (let i = e.offset; i < e.offset + e.size; i++) if (Math.abs(gradSum[i]) > Math.abs(gradSum[best])) best = i;
        picks.push(best);
      }
      const eps = 1e-2;
      for (const i of picks) {
        const p = base.slice();
        p[i] = base[i] + eps;
        tiny.setParameters(p);
        const up = tiny.evaluate(b);
        p[i] = base[i] - eps;
        tiny.setParameters(p);
        const down = tiny.evaluate(b);
        const fd = (up - down) / (2 * eps);
        expect(Math.abs(fd - gradSum[i])).toBeLessThan(0.03 * Math.abs(gradSum[i]) + 1e-3);
      }
    } finally {
      tiny.setParameters(base);
    }
  });

  it('returns sums: grad(A + B) = grad(A) + grad(B), loss likewise', () => {
    const b = randomBatch(5, 30, 14);
    const all = tiny.computeGradients(b);
    const a = tiny.computeGradients(sliceBatch(b, 30, 0, 2));
    const c = tiny.computeGradients(sliceBatch(b, 30, 2, 5));
    expect(a.lossSum + c.lossSum).toBeCloseTo(all.lossSum, 4);
    const sum = a.gradSum.map((g, i) => g + c.gradSum[i]);
    expect(closeness(sum, all.gradSum, 1e-4, 1e-6)).toBeLessThan(1);
    expect(tiny.evaluate(b)).toBeCloseTo(all.lossSum, 4); // no dropout in tinyconv: same loss
    // chunked processing gives the same sums
    const chunked = new GradientComputer(tiny.spec, { parameters: tiny.getParameters(), chunkSize: 2 });
    try {
      const r = chunked.computeGradients(b);
      expect(r.lossSum).toBeCloseTo(all.lossSum, 4);
      expect(closeness(r.gradSum, all.gradSum, 1e-4, 1e-6)).toBeLessThan(1);
    } finally {
      chunked.dispose();
    }
  });

  it('flips images and targets per the mask, on copies', () => {
    const b = randomBatch(3, 30, 15);
    const before = { pixels: b.pixels.slice(), targets: b.targets.slice() };
    const mask = new Uint8Array([1, 0, 1]);
    const flipped = tiny.computeGradients({ ...b, flipMask: mask });
    expect(b.pixels).toEqual(before.pixels);
    expect(b.targets).toEqual(before.targets);
    // same as pre-mirroring the batch by hand
    const mirrored = { pixels: b.pixels.slice(), targets: b.targets.slice() };
    const spec = flipSpecFor(tiny.spec.columns, tiny.spec.flipPairs);
    for (const i of [0, 2]) {
      for (let r = 0; r < IMAGE_SIDE; r++) {
        const row = i * IMAGE_PIXELS + r * IMAGE_SIDE;
        mirrored.pixels.set(b.pixels.slice(row, row + IMAGE_SIDE).reverse(), row);
      }
      const t = b.targets.subarray(i * 30, i * 30 + 30);
      const m = mirrored.targets.subarray(i * 30, i * 30 + 30);
      for (let c = 0; c < 30; c++) m[c] = c % 2 === 0 ? -t[c] : t[c];
      for (const [p, q] of spec.pairs) [m[p], m[q]] = [m[q], m[p]];
    }
    expect(mirrored.targets[0]).toBe(-b.targets[2 * 1]); // left_eye_center_x <- -right_eye_center_x
    const byHand = tiny.computeGradients(mirrored);
    expect(flipped.lossSum).toBeCloseTo(byHand.lossSum, 5);
    expect(closeness(flipped.gradSum, byHand.gradSum, 1e-5, 1e-7)).toBeLessThan(1);
    const plain = tiny.computeGradients(b);
    expect(plain.lossSum).not.toBeCloseTo(flipped.lossSum, 5);
    // an all-zero mask changes nothing
    expect(tiny.computeGradients({ ...b, flipMask: new Uint8Array(3) }).lossSum).toBe(plain.lossSum);
  });

  it('predicts like model.predict and evaluates without dropout', () => {
    const b = randomBatch(5, 30, 16);
    const pred = tiny.predict(b.pixels);
    const x = tf.tensor4d(Float32Array.from(b.pixels, (p) => p / 255), [5, 96, 96, 1]);
    const ref = tiny.model.predict(x) as tf.Tensor;
    expect(closeness(pred, ref.dataSync(), 1e-5, 1e-6)).toBeLessThan(1);
    tf.dispose([x, ref]);
    let sse = 0;
    for (let i = 0; i < pred.length; i++) sse += (pred[i] - b.targets[i]) ** 2;
    expect(tiny.evaluate(b)).toBeCloseTo(sse / 30, 4);
  });

  it('rejects batches that do not fit the spec', () => {
    const b = randomBatch(2, 30, 17);
    expect(() => tiny.computeGradients({ pixels: b.pixels, targets: b.targets.subarray(0, 59) })).toThrow(SizeMismatchError);
    expect(() => tiny.computeGradients({ pixels: b.pixels.subarray(1), targets: b.targets })).toThrow(SizeMismatchError);
    expect(() => tiny.computeGradients({ ...b, flipMask: new Uint8Array(3) })).toThrow(SizeMismatchError);
    expect(() => tiny.setParameters(new Float32Array(5))).toThrow(SizeMismatchError);
  });

  it('does not leak tensors over repeated steps', () => {
    const b = randomBatch(2, 30, 18);
    const spec = TINY_DROPOUT;
    const gc = new GradientComputer(spec, { seed: 2 });
    try {
      const params = gc.getParameters();
      const step = () => {
        gc.setParameters(params);
        gc.computeGradients({ ...b, flipMask: new Uint8Array([1, 0]) });
        gc.evaluate(b);
        gc.predict(b.pixels);
      };
      step();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 2; i++) step();
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      gc.dispose();
    }
  });
});

describe('dropout', () => {
  it('masks drop about `rate` of the units and scale the rest by 1/(1-rate)', () => {
    const layers = dropoutLayers(TINY_DROPOUT);
    expect(layers.map((l) => `${l.name}:${l.shape.join('x')}`)).toEqual(['dropout1:47x47x4', 'dropout2:23x23x8', 'dropout3:16']);
    const masks = dropoutMasks(layers, dropoutSeedsFor(1, 0, 20));
    layers.forEach((l, j) => {
      const m = masks[j];
      expect(m.length).toBe(20 * l.size);
      const kept = m.filter((x) => x !== 0);
      expect(kept.every((x) => x === Math.fround(1 / (1 - l.rate)))).toBe(true);
      expect(1 - kept.length / m.length).toBeCloseTo(l.rate, 1);
    });
    // per-sample: sample 5's masks do not depend on the rest of the batch
    const alone = dropoutMasks(layers, dropoutSeedsFor(1, 5, 1));
    expect(Array.from(alone[1])).toEqual(Array.from(masks[1].subarray(5 * layers[1].size, 6 * layers[1].size)));
  });

  it('is deterministic given seeds, active in training only, and split-invariant', () => {
    const gc = new GradientComputer(TINY_DROPOUT, { seed: 3 });
    try {
      const b = randomBatch(3, 30, 19);
      const seeds = dropoutSeedsFor(42, 0, 3);
      const r1 = gc.computeGradients({ ...b, dropoutSeeds: seeds });
      const r2 = gc.computeGradients({ ...b, dropoutSeeds: seeds });
      expect(r2.lossSum).toBe(r1.lossSum);
      expect(Array.from(r2.gradSum)).toEqual(Array.from(r1.gradSum));
      const other = gc.computeGradients({ ...b, dropoutSeeds: dropoutSeedsFor(43, 0, 3) });
      expect(other.lossSum).not.toBe(r1.lossSum);
      // evaluate() has no dropout: equals the loss of the same net without dropout layers
      const plain = new GradientComputer(netSpec('tinyconv-test'), { parameters: gc.getParameters() });
      try {
        expect(gc.evaluate(b)).toBeCloseTo(plain.evaluate(b), 5);
        expect(Array.from(gc.predict(b.pixels))).toEqual(Array.from(plain.predict(b.pixels)));
      } finally {
        plain.dispose();
      }
      // the same samples with the same per-sample seeds, split in two, add up
      const a = gc.computeGradients({ ...sliceBatch(b, 30, 0, 1), dropoutSeeds: dropoutSeedsFor(42, 0, 1) });
      const c = gc.computeGradients({ ...sliceBatch(b, 30, 1, 3), dropoutSeeds: dropoutSeedsFor(42, 1, 2) });
      expect(a.lossSum + c.lossSum).toBeCloseTo(r1.lossSum, 4);
      expect(closeness(a.gradSum.map((g, i) => g + c.gradSum[i]), r1.gradSum, 1e-4, 1e-6)).toBeLessThan(1);
      // without seeds, the computer's own stream is used (deterministic per instance)
      const g1 = new GradientComputer(TINY_DROPOUT, { seed: 3, dropoutSeed: 9 });
      const g2 = new GradientComputer(TINY_DROPOUT, { seed: 3, dropoutSeed: 9 });
      try {
        const one = sliceBatch(b, 30, 0, 1);
        expect(g1.computeGradients(one).lossSum).toBe(g2.computeGradients(one).lossSum);
      } finally {
        g1.dispose();
        g2.dispose();
      }
    } finally {
      gc.dispose();
    }
  });
});
