/**
 * Backend selection with the packages this machine has: the native packages
 * (@tensorflow/tfjs-node-gpu, @tensorflow/tfjs-node) are optional and these
 * tests branch on whether they resolve, so they hold with or without them.
 * The GPU probes' branches with injected libraries: backend-gpu.test.ts.
 */
import { createRequire } from 'node:module';
import * as tf from './tf.ts';
import { afterAll, describe, expect, it } from 'vitest';
import { ModuleNotInstalledError, TENSORFLOW_INSTALL_HINT, selectBackend } from './backend.ts';
import { BackendUnavailableError, GpuUnavailableError } from './errors.ts';
import { GradientComputer } from './gradients.ts';
import { netSpec } from './net-specs/index.ts';
import { closeness, randomBatch } from './test-fixtures.ts';

function installed(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}
const GPU_INSTALLED = installed('@tensorflow/tfjs-node-gpu');
const CPU_INSTALLED = installed('@tensorflow/tfjs-node');
const NATIVE_INSTALLED = GPU_INSTALLED || CPU_INSTALLED;

afterAll(async () => {
  await selectBackend('cpu');
});

describe('selectBackend', () => {
  it.runIf(!NATIVE_INSTALLED)("'auto' without the native packages falls back to wasm with the training kernels, naming what it tried", async () => {
    const info = await selectBackend('auto');
    expect(info.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.fellBackFrom).toEqual(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);
    expect(info.attempts?.map((a) => a.outcome)).toEqual(['not-installed', 'not-installed']);
    expect(info.device).toMatch(/^CPU \(WebAssembly.*training kernels\)/);
    expect(info.message).toMatch(/'wasm'.*fell back from @tensorflow\/tfjs-node-gpu \(not installed\), @tensorflow\/tfjs-node \(not installed\)/);
  });

  it("'auto' ends on cpu when wasm cannot be loaded either", async () => {
    const loadPackage = async (pkg: string) => {
      throw new ModuleNotInstalledError(pkg);
    };
    const info = await selectBackend('auto', { loadPackage });
    expect(info.name).toBe('cpu');
    expect(info.fellBackFrom).toEqual(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-wasm']);
  });

  it('reports a native package that is present but broken', async () => {
    const loadPackage = async (pkg: string) => {
      if (pkg === '@tensorflow/tfjs-node-gpu') throw new ModuleNotInstalledError(pkg);
      throw new Error('libtensorflow.so.2: cannot open shared object file: No such file or directory\n    at stack');
    };
    const info = await selectBackend('auto', { loadPackage });
    expect(info.name).toBe('cpu');
    expect(info.attempts?.[1]).toEqual({ candidate: '@tensorflow/tfjs-node', outcome: 'failed', detail: 'libtensorflow.so.2: cannot open shared object file: No such file or directory' });
    expect(info.message).toMatch(/tfjs-node \(failed: libtensorflow\.so\.2/);
  });

  it.runIf(!NATIVE_INSTALLED)("'tensorflow' requested but absent: a clear error saying how to install it", async () => {
    const err = await selectBackend('tensorflow').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    const e = err as BackendUnavailableError;
    expect(e.choice).toBe('tensorflow');
    expect(e.attempts.map((a) => a.candidate)).toEqual(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);
    expect(e.message).toContain('npm install @tensorflow/tfjs-node@4.22.0');
    expect(e.message).toContain(TENSORFLOW_INSTALL_HINT);
    expect(tf.getBackend()).toBe('cpu'); // unchanged
  });

  it("'wasm' loads its .wasm files from node_modules and computes dense-net gradients like cpu", async () => {
    const spec = netSpec('net1');
    const b = randomBatch(4, 30, 21);
    await selectBackend('cpu');
    const onCpu = new GradientComputer(spec, { seed: 4 });
    const cpu = onCpu.computeGradients(b);
    onCpu.dispose();
    const info = await selectBackend('wasm');
    expect(info).toMatchObject({ name: 'wasm', package: '@tensorflow/tfjs-backend-wasm' });
    expect(info.device).toMatch(/^CPU \(WebAssembly/);
    expect(tf.getBackend()).toBe('wasm');
    const onWasm = new GradientComputer(spec, { seed: 4 });
    try {
      const wasm = onWasm.computeGradients(b);
      expect(wasm.lossSum).toBeCloseTo(cpu.lossSum, 4);
      expect(closeness(wasm.gradSum, cpu.gradSum, 1e-3, 1e-5)).toBeLessThan(1);
    } finally {
      onWasm.dispose();
    }
  });

  it('wasm trains conv nets with tf.conv2d through the training kernels (im2col still works)', async () => {
    const spec = netSpec('tinyconv-test');
    const b = randomBatch(2, 30, 22);
    await selectBackend('cpu');
    const onCpu = new GradientComputer(spec, { seed: 1, convolution: 'native' });
    const cpu = onCpu.computeGradients(b);
    onCpu.dispose();
    await selectBackend('wasm');
    const gc = new GradientComputer(spec, { seed: 1 });
    const im2col = new GradientComputer(spec, { seed: 1, convolution: 'im2col' });
    try {
      expect(gc.convolutionMode).toBe('native');
      for (const r of [gc.computeGradients(b), im2col.computeGradients(b)]) {
        expect(r.lossSum).toBeCloseTo(cpu.lossSum, 4);
        expect(closeness(r.gradSum, cpu.gradSum, 1e-3, 1e-5)).toBeLessThan(1);
      }
      expect(gc.predict(b.pixels).length).toBe(2 * 30);
    } finally {
      gc.dispose();
      im2col.dispose();
    }
  });

  it('rejects unknown choices', async () => {
    await expect(selectBackend('gpu' as never)).rejects.toThrow(RangeError);
    await expect(selectBackend('tensorflow-cpu' as never)).rejects.toThrow(RangeError);
  });

  // Last: loading a native package makes it this process's 'tensorflow' backend for good.
  it.runIf(NATIVE_INSTALLED)("'auto' with a native package installed uses it and says on which device", async () => {
    const info = await selectBackend('auto');
    expect(info).toMatchObject({ name: 'tensorflow', package: GPU_INSTALLED ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node' });
    expect(tf.getBackend()).toBe('tensorflow');
    expect(info.device).toMatch(/^(GPU|CPU \(libtensorflow)/);
    expect(info.message).toContain(info.device);
  });

  it("'tensorflow-gpu' without the GPU package: one line naming the package and how to install it, no fallback", async () => {
    await selectBackend('cpu');
    const outcome = await selectBackend('tensorflow-gpu').catch((e: unknown) => e);
    if (!GPU_INSTALLED) {
      expect(outcome).toBeInstanceOf(GpuUnavailableError);
      expect(outcome).toMatchObject({ piece: 'package' });
      expect((outcome as Error).message).toBe(
        '--backend tensorflow-gpu: @tensorflow/tfjs-node-gpu is not installed (npm install --no-save @tensorflow/tfjs-node-gpu@4.22.0)',
      );
      expect(tf.getBackend()).toBe('cpu'); // unchanged
    } else if (outcome instanceof GpuUnavailableError) {
      // Installed: whatever is missing on this machine is named, on one line.
      expect(outcome.message).not.toContain('\n');
      expect(['package', 'libcuda', 'cuda-runtime', 'cudnn', 'device']).toContain(outcome.piece);
    } else {
      expect(outcome).toMatchObject({ name: 'tensorflow', package: '@tensorflow/tfjs-node-gpu', device: expect.stringMatching(/^GPU/) });
    }
  });

  it.runIf(NATIVE_INSTALLED)("'tensorflow' with a native package installed uses libtensorflow and says on which device", async () => {
    const info = await selectBackend('tensorflow');
    expect(info.name).toBe('tensorflow');
    expect(info.device).toMatch(/^(GPU|CPU \(libtensorflow)/);
  });
});
