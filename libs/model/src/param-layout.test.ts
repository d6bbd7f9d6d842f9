import * as tf from './tf.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from './backend.ts';
import { buildModel, getModelParameters, setModelParameters } from './build-model.ts';
import { SizeMismatchError } from './errors.ts';
import { initialParameters } from './init.ts';
import { netSpec, specialistSpec } from './net-specs/index.ts';
import {
  countParameters,
  layoutSignature,
  packParameters,
  paramLayout,
  parameterView,
  transferParameters,
  unpackParameters,
} from './param-layout.ts';

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('parameter layout', () => {
  it('lists every trainable tensor with shape, offset and size', () => {
    const layout = paramLayout(netSpec('net2'));
    expect(layout.entries.map((e) => `${e.name}@${e.offset}:${e.shape.join('x')}`)).toEqual([
      'conv1/kernel@0:3x3x1x32',
      'conv1/bias@288:32',
      'conv2/kernel@320:2x2x32x64',
      'conv2/bias@8512:64',
      'conv3/kernel@8576:2x2x64x128',
      'conv3/bias@41344:128',
      'hidden4/kernel@41472:15488x500',
      'hidden4/bias@7785472:500',
      'hidden5/kernel@7785972:500x500',
      'hidden5/bias@8035972:500',
      'output/kernel@8036472:500x30',
      'output/bias@8051472:30',
    ]);
    expect(layout.size).toBe(8_051_502);
    expect(layoutSignature(paramLayout(netSpec('net1')))).toBe('hidden1/kernel:9216x100,hidden1/bias:100,output/kernel:100x30,output/bias:30');
    // Dropout adds no parameters: net6's layout is net5's.
    expect(layoutSignature(paramLayout(netSpec('net6')))).toBe(layoutSignature(paramLayout(netSpec('net5'))));
  });

  it('round-trips through one Float32Array', () => {
    const layout = paramLayout(netSpec('tinyconv-test'));
    const tensors = layout.entries.map((e, j) => Float32Array.from({ length: e.size }, (_, i) => j * 1000 + i * 0.5));
    const flat = packParameters(layout, tensors);
    expect(flat.length).toBe(layout.size);
    const back = unpackParameters(layout, flat);
    back.forEach((t, j) => expect(Array.from(t)).toEqual(Array.from(tensors[j])));
    expect(parameterView(layout, flat, 'conv2/bias')[3]).toBe(3 * 1000 + 3 * 0.5);
    // Views share memory with the flat vector.
    back[0][0] = 42;
    expect(flat[0]).toBe(42);
    // Bytes on the wire (little-endian float32) round-trip too.
    const bytes = new Uint8Array(flat.buffer.slice(0));
    expect(Array.from(new Float32Array(bytes.buffer))).toEqual(Array.from(flat));
  });

  it('rejects wrong sizes with a typed error', () => {
    const layout = paramLayout(netSpec('net1'));
    expect(() => unpackParameters(layout, new Float32Array(10))).toThrow(SizeMismatchError);
    expect(() => packParameters(layout, [new Float32Array(1)])).toThrow(SizeMismatchError);
  });

  it('matches the order and shapes of a built model, which has the reference counts', () => {
    for (const name of ['net1', 'tinyconv-test', 'net2', 'net7']) {
      const spec = netSpec(name);
      const model = buildModel(spec, { seed: 1 });
      try {
        expect(model.countParams()).toBe(countParameters(spec));
        const layout = paramLayout(spec);
        expect(model.trainableWeights.map((w) => `${w.originalName}:${w.shape.join('x')}`)).toEqual(layout.entries.map((e) => `${e.name}:${e.shape.join('x')}`));
      } finally {
        model.dispose();
      }
    }
  });

  it('writes and reads a model through the flat vector', () => {
    const spec = netSpec('tinyconv-test');
    const layout = paramLayout(spec);
    const flat = initialParameters(spec, 3);
    const model = buildModel(spec, { parameters: flat });
    try {
      expect(getModelParameters(model, layout)).toEqual(flat);
      const other = flat.map((x, i) => x + i * 1e-3);
      setModelParameters(model, layout, other);
      other[0] = 99; // the model holds a copy
      expect(getModelParameters(model, layout)[0]).toBeCloseTo(flat[0], 6);
      const conv2Kernel = model.getLayer('conv2').getWeights()[0];
      expect(Array.from(conv2Kernel.dataSync())).toEqual(Array.from(parameterView(layout, other, 'conv2/kernel')));
    } finally {
      model.dispose();
    }
  });

  it('transfers matching tensors to a specialist, leaving the output layer', () => {
    const general = netSpec('tinyconv-test');
    const special = specialistSpec(general, 1);
    const gl = paramLayout(general);
    const sl = paramLayout(special);
    const g = initialParameters(gl, 1);
    const s = new Float32Array(sl.size).fill(7);
    expect(transferParameters(gl, g, sl, s)).toEqual(['conv1/kernel', 'conv1/bias', 'conv2/kernel', 'conv2/bias', 'hidden3/kernel', 'hidden3/bias']);
    expect(Array.from(parameterView(sl, s, 'hidden3/kernel'))).toEqual(Array.from(parameterView(gl, g, 'hidden3/kernel')));
    expect(parameterView(sl, s, 'output/kernel').every((x) => x === 7)).toBe(true);
  });
});

describe('initial parameters', () => {
  it('are seeded Glorot-uniform kernels and zero biases', () => {
    const spec = netSpec('net1');
    const layout = paramLayout(spec);
    const a = initialParameters(spec, 5);
    const same = (x: Float32Array, y: Float32Array) => x.length === y.length && x.every((v, i) => v === y[i]);
    expect(same(initialParameters(spec, 5), a)).toBe(true);
    expect(same(initialParameters(spec, 6), a)).toBe(false);
    const k = parameterView(layout, a, 'hidden1/kernel');
    const limit = Math.sqrt(6 / (9216 + 100));
    let sumSq = 0;
    let maxAbs = 0;
    for (const x of k) {
      maxAbs = Math.max(maxAbs, Math.abs(x));
      sumSq += x * x;
    }
    expect(maxAbs).toBeLessThanOrEqual(limit);
    expect(maxAbs).toBeGreaterThan(limit * 0.999);
    // Var of U(-a, a) is a^2 / 3.
    expect(Math.sqrt(sumSq / k.length)).toBeCloseTo(limit / Math.sqrt(3), 3);
    expect(parameterView(layout, a, 'hidden1/bias').every((x) => x === 0)).toBe(true);
    expect(parameterView(layout, a, 'output/bias').every((x) => x === 0)).toBe(true);
    const conv = paramLayout(netSpec('net2')).entries[2];
    expect([conv.fanIn, conv.fanOut]).toEqual([2 * 2 * 32, 2 * 2 * 64]);
  });

  it('do not depend on the tfjs backend', () => {
    expect(tf.getBackend()).toBe('cpu');
    expect(initialParameters(netSpec('tinyconv-test'), 9)[0]).toBe(initialParameters(netSpec('tinyconv-test'), 9)[0]);
  });
});
