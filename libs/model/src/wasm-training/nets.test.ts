/**
 * Every net of the tutorial trains on wasm with the training kernels and gets
 * the stock cpu backend's loss and gradients: same parameters, same small
 * batch, flips and dropout on; per parameter tensor, ||wasm - cpu|| / ||cpu||
 * below 1e-4.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend.ts';
import { dropoutSeedsFor } from '../dropout.ts';
import { GradientComputer, type GradientResult, type TrainingBatch } from '../gradients.ts';
import { type NetSpec, netSpec } from '../net-specs/index.ts';
import { randomBatch } from '../test-fixtures.ts';
import { breathe, relativeError } from './testing.ts';

const TOLERANCE = 1e-4;
const NETS = ['net1', 'net2', 'net3', 'net4', 'net5', 'net6', 'net7'];

async function gradientsOn(backend: 'cpu' | 'wasm', spec: NetSpec, batch: TrainingBatch): Promise<{ result: GradientResult; mode: string }> {
  await breathe();
  await selectBackend(backend);
  const gc = new GradientComputer(spec, { seed: 3 });
  try {
    return { result: gc.computeGradients(batch), mode: gc.convolutionMode };
  } finally {
    gc.dispose();
    await breathe();
  }
}

afterAll(async () => {
  await selectBackend('cpu');
});

describe('wasm training kernels: every net matches the cpu backend', () => {
  for (const name of NETS) {
    it(`${name}: loss and per-tensor gradients within ${TOLERANCE}`, async () => {
      const spec = netSpec(name);
      const n = 3;
      const batch: TrainingBatch = {
        ...randomBatch(n, spec.outputs, 40),
        flipMask: spec.training.flip ? Uint8Array.from([1, 0, 1]) : undefined,
        dropoutSeeds: dropoutSeedsFor(7, 0, n),
      };
      const cpu = await gradientsOn('cpu', spec, batch);
      const wasm = await gradientsOn('wasm', spec, batch);
      if (spec.input === 'image') expect(wasm.mode).toBe('native'); // tf.conv2d and its gradient kernels
      expect(Math.abs(wasm.result.lossSum - cpu.result.lossSum) / cpu.result.lossSum).toBeLessThan(TOLERANCE);
      const layout = new GradientComputer(spec, { seed: 3 });
      try {
        for (const e of layout.layout.entries) {
          const w = wasm.result.gradSum.subarray(e.offset, e.offset + e.size);
          const c = cpu.result.gradSum.subarray(e.offset, e.offset + e.size);
          expect(relativeError(w, c), e.name).toBeLessThan(TOLERANCE);
        }
      } finally {
        layout.dispose();
      }
    });
  }
});
