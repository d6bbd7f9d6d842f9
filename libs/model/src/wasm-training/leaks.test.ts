/**
 * Hundreds of training steps on wasm leave the number of live tensors, the
 * backend's data buffers and the wasm heap where they were after warm-up:
 * every temporary of the kernels is freed, and so are the XNNPACK operators
 * cached on per-step tensors (they go with their tensor).
 */
import * as tf from '../tf.ts';
import { afterAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend.ts';
import { dropoutSeedsFor } from '../dropout.ts';
import { GradientComputer } from '../gradients.ts';
import { nesterovUpdate } from '../optimizer/nesterov.ts';
import { type LayerSpec, netSpec } from '../net-specs/index.ts';
import { randomBatch } from '../test-fixtures.ts';
import { breathe } from './testing.ts';

afterAll(async () => {
  await selectBackend('cpu');
});

function heapBytes(): number {
  const backend = tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } };
  return backend.wasm.HEAPU8.byteLength;
}

describe('wasm training kernels: no leaks', () => {
  it('300 training steps (conv, pool, dense, dropout, flips, update) keep tensors and heap flat', async () => {
    await selectBackend('wasm');
    // tinyconv-test with dropout after each pool: every kernel and op of the tutorial's nets.
    const base = netSpec('tinyconv-test');
    const spec = {
      ...base,
      layers: base.layers.flatMap((l): LayerSpec[] => (l.type === 'maxpool2d' ? [l, { type: 'dropout', name: `dropout-${l.name}`, rate: 0.3 }] : [l])),
      training: { ...base.training, flip: true },
    };
    const gc = new GradientComputer(spec, { seed: 5 });
    const n = 6;
    const batch = randomBatch(n, spec.outputs, 50);
    const params = gc.getParameters();
    const velocity = new Float32Array(params.length);
    const step = (s: number) => {
      gc.setParameters(params);
      const { gradSum } = gc.computeGradients({ ...batch, flipMask: Uint8Array.from({ length: n }, (_, i) => (i + s) % 2), dropoutSeeds: dropoutSeedsFor(s, 0, n) });
      nesterovUpdate(params, velocity, gradSum, 0.01, 0.9, 1 / n);
    };
    try {
      for (let s = 0; s < 20; s++) step(s);
      const tensors = tf.memory().numTensors;
      const buffers = tf.engine().backend.numDataIds();
      const heap = heapBytes();
      for (let s = 20; s < 320; s++) {
        step(s);
        if (s % 20 === 0) await breathe();
      }
      expect(tf.memory().numTensors).toBe(tensors);
      expect(tf.engine().backend.numDataIds()).toBe(buffers);
      expect(heapBytes()).toBe(heap);
      expect(params.every(Number.isFinite)).toBe(true);
    } finally {
      gc.dispose();
    }
  });
});
