/**
 * `--backend tensorflow-gpu` past the package check, with the machine's
 * pieces injected: the GPU libraries as files in a temporary directory
 * (probed by the real dlopen), the package as a loader that registers a
 * stand-in 'tensorflow' backend reporting `isUsingGpuDevice` as tfjs-node's
 * does. A file of its own: the stand-in stays this process's 'tensorflow'
 * backend once loaded.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import * as tf from './tf.ts';
import { selectBackend } from './backend.ts';
import { GpuUnavailableError } from './errors.ts';
import { GPU_LIBRARIES, type GpuLibraryProblem, probeGpuLibraries } from './gpu-probe.ts';

let dir: string;
let onGpu = false;
const loaded: string[] = [];

/** What tfjs-node-gpu's backend looks like to us: a 'tensorflow' backend that says whether it found a GPU. */
class StandInNativeBackend extends MathBackendCPU {
  get isUsingGpuDevice(): boolean {
    return onGpu;
  }
}

const packageInstalled = async (): Promise<boolean> => true;
const loadPackage = async (pkg: string): Promise<void> => {
  loaded.push(pkg);
  tf.registerBackend('tensorflow', () => new StandInNativeBackend());
};
const allLibrariesLoad = (): GpuLibraryProblem | null => null;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kfkd-backend-gpu-'));
  await selectBackend('cpu');
});

afterEach(() => {
  vi.unstubAllEnvs();
});

afterAll(async () => {
  await selectBackend('cpu');
  tf.removeBackend('tensorflow');
  await rm(dir, { recursive: true, force: true });
});

function rejection(promise: Promise<unknown>): Promise<GpuUnavailableError> {
  return promise.then(
    () => {
      throw new Error('expected a GpuUnavailableError');
    },
    (error: unknown) => {
      expect(error).toBeInstanceOf(GpuUnavailableError);
      return error as GpuUnavailableError;
    },
  );
}

it('a libcuda.so.1 that does not load is named before libtensorflow is loaded', async () => {
  const libcuda = join(dir, 'libcuda.so.1');
  await writeFile(libcuda, 'not a shared library, just some text that is long enough to be read as a header');
  const libraries = { ...GPU_LIBRARIES, libcuda: [libcuda] };
  const error = await rejection(selectBackend('tensorflow-gpu', { packageInstalled, loadPackage, probeGpuLibraries: () => probeGpuLibraries(libraries) }));
  expect(error.piece).toBe('libcuda');
  expect(error.message).toMatch(/^--backend tensorflow-gpu: \/.*libcuda\.so\.1 does not load: .*invalid ELF header \(install the NVIDIA driver/);
  expect(error.message).not.toContain('\n');
  expect(loaded).toEqual([]);
  expect(tf.getBackend()).toBe('cpu');
});

it('a missing cuDNN is named as such', async () => {
  const problem: GpuLibraryProblem = { piece: 'cudnn', library: 'libcudnn.so.8', missing: true, reason: 'libcudnn.so.8: cannot open shared object file: No such file or directory' };
  const error = await rejection(selectBackend('tensorflow-gpu', { packageInstalled, loadPackage, probeGpuLibraries: () => problem }));
  expect(error.piece).toBe('cudnn');
  expect(error.message).toBe(
    '--backend tensorflow-gpu: libcudnn.so.8 not found on the library path (cuDNN 8.1 for CUDA 11.2 is needed: install it and add its lib directory to LD_LIBRARY_PATH)',
  );
  expect(loaded).toEqual([]);
});

it('an installed package that does not load is named with the loader\'s first line', async () => {
  const broken = async (): Promise<void> => {
    throw new Error('libtensorflow.so.2: cannot open shared object file: No such file or directory\n    at Module._extensions..node');
  };
  const error = await rejection(selectBackend('tensorflow-gpu', { packageInstalled, loadPackage: broken, probeGpuLibraries: allLibrariesLoad }));
  expect(error.piece).toBe('package');
  expect(error.message).toMatch(
    /^--backend tensorflow-gpu: @tensorflow\/tfjs-node-gpu is installed but does not load: libtensorflow\.so\.2: cannot open shared object file: No such file or directory \(reinstall it .*npm install --no-save @tensorflow\/tfjs-node-gpu@4\.22\.0\)$/,
  );
});

it('libtensorflow without a GPU device: "no CUDA device visible", and the previous backend is back', async () => {
  vi.stubEnv('CUDA_VISIBLE_DEVICES', '');
  onGpu = false;
  const error = await rejection(selectBackend('tensorflow-gpu', { packageInstalled, loadPackage, probeGpuLibraries: allLibrariesLoad }));
  expect(loaded).toEqual(['@tensorflow/tfjs-node-gpu']);
  expect(error.piece).toBe('device');
  expect(error.message).toBe(
    "--backend tensorflow-gpu: no CUDA device visible (CUDA_VISIBLE_DEVICES=) (check CUDA_VISIBLE_DEVICES, the pod's nvidia.com/gpu limit, and nvidia-smi on the node)",
  );
  expect(tf.getBackend()).toBe('cpu');
});

it("'auto' and 'tensorflow' run the GPU build on the CPU then, and say so and why", async () => {
  onGpu = false;
  const noDriver = (): GpuLibraryProblem => ({ piece: 'libcuda', library: 'libcuda.so.1', missing: true, reason: '' });
  for (const choice of ['auto', 'tensorflow'] as const) {
    const info = await selectBackend(choice, { probeGpuLibraries: noDriver });
    expect(info).toMatchObject({ name: 'tensorflow', package: '@tensorflow/tfjs-node-gpu' });
    expect(info.device).toMatch(/^CPU \(libtensorflow GPU build without a GPU: libcuda\.so\.1 not found on the library path; \d+ cores\)$/);
    expect(info.message).toContain(info.device);
  }
});

it('on a GPU it is used, and named', async () => {
  onGpu = true;
  const info = await selectBackend('tensorflow-gpu', { probeGpuLibraries: allLibrariesLoad });
  expect(info).toMatchObject({ name: 'tensorflow', package: '@tensorflow/tfjs-node-gpu', device: expect.stringMatching(/^GPU/) });
  expect(tf.getBackend()).toBe('tensorflow');
  expect(loaded).toEqual(['@tensorflow/tfjs-node-gpu']); // loaded once per process
});
