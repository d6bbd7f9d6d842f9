/**
 * The GPU library probe with the real dlopen(3), on libraries in a temporary
 * directory: a loadable one (a symlink to a library this process has already
 * loaded, so dlopen hands back the same copy), garbage under a CUDA name, and
 * a name that is not there.
 */
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { GPU_LIBRARIES, describeLibraryProblem, probeGpuLibraries, tryLoadLibrary } from './gpu-probe.ts';

let dir: string;
let loadable: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kfkd-gpu-probe-'));
  const maps = await readFile('/proc/self/maps', 'utf8');
  const libm = maps.split('\n').map((line) => line.split(/\s+/)[5]).find((path) => path && /\/libm\.so\.6$/.test(path));
  if (!libm) throw new Error('this process has no libm.so.6 mapped');
  loadable = libm;
  await writeFile(join(dir, 'garbage.so'), 'this is no ELF file, but long enough to have a header and then some more bytes');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * GPU_LIBRARIES with every name turned into a path in a new folder of `dir`.
 * A fresh folder per case: once a path has loaded, the dynamic loader knows
 * the library by that name and does not look at the file again.
 */
async function inNewDir(name: string): Promise<typeof GPU_LIBRARIES> {
  const folder = join(dir, name);
  await mkdir(folder);
  return {
    libcuda: GPU_LIBRARIES.libcuda.map((n) => join(folder, n)),
    'cuda-runtime': GPU_LIBRARIES['cuda-runtime'].map((n) => join(folder, n)),
    cudnn: GPU_LIBRARIES.cudnn.map((n) => join(folder, n)),
  };
}

it('tells a library that loads from one that is missing and one that does not load', () => {
  expect(tryLoadLibrary(loadable)).toEqual({ loaded: true });
  expect(tryLoadLibrary('libm.so.6')).toEqual({ loaded: true }); // by soname, through the library path
  expect(tryLoadLibrary(join(dir, 'libcuda.so.1'))).toEqual({ loaded: false, missing: true, reason: expect.stringMatching(/cannot open shared object file/) });
  expect(tryLoadLibrary('libkfkd-no-such-library.so.1')).toMatchObject({ loaded: false, missing: true });
  expect(tryLoadLibrary(join(dir, 'garbage.so'))).toEqual({ loaded: false, missing: false, reason: expect.stringMatching(/invalid ELF header|file too short/) });
});

it('names the driver first: a garbage libcuda.so.1 does not load', async () => {
  const libs = await inNewDir('garbage-driver');
  await symlink(join(dir, 'garbage.so'), libs.libcuda[0]);
  const problem = probeGpuLibraries(libs);
  expect(problem).toMatchObject({ piece: 'libcuda', library: libs.libcuda[0], missing: false });
  expect(describeLibraryProblem(problem!)).toMatch(/^\/.*libcuda\.so\.1 does not load: .*invalid ELF header.* \(install the NVIDIA driver/);
});

it('with the driver and the CUDA runtime in place, names the missing cuDNN', async () => {
  const libs = await inNewDir('no-cudnn');
  for (const path of [...libs.libcuda, ...libs['cuda-runtime']]) await symlink(loadable, path);
  expect(probeGpuLibraries(libs)).toMatchObject({ piece: 'cudnn', library: libs.cudnn[0], missing: true });
  expect(describeLibraryProblem(probeGpuLibraries(libs)!)).toMatch(/libcudnn\.so\.8 not found on the library path \(cuDNN 8\.1 for CUDA 11\.2/);
  await symlink(loadable, libs.cudnn[0]);
  expect(probeGpuLibraries(libs)).toBeNull();
});

it('with one CUDA runtime library short, names that one, not cuDNN', async () => {
  const libs = await inNewDir('no-cufft');
  const cufft = libs['cuda-runtime'].find((path) => path.endsWith('/libcufft.so.10'))!;
  for (const path of [...libs.libcuda, ...libs['cuda-runtime'], ...libs.cudnn]) if (path !== cufft) await symlink(loadable, path);
  expect(probeGpuLibraries(libs)).toMatchObject({ piece: 'cuda-runtime', library: cufft, missing: true });
  expect(describeLibraryProblem(probeGpuLibraries(libs)!)).toMatch(/libcufft\.so\.10 not found on the library path \(the CUDA 11\.2 runtime libraries/);
});
