/**
 * `--backend tensorflow-gpu` through the real `kfkd`: without a GPU it never
 * trains on the CPU, it exits 4 (the demanded device is unavailable) with one
 * line naming the missing piece. (Every branch of the check with injected
 * pieces: libs/model/src/backend-gpu.test.ts and gpu-probe.test.ts.)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { kfkd } from '../testing/kfkd-process.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kfkd-gpu-backend-'));
  expect((await kfkd('synth', '--rows', '30', '--label-all', '1', '--out', join(dir, 'train.csv'))).code).toBe(0);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function gpuPackageInstalled(): boolean {
  try {
    createRequire(join(process.cwd(), '../../libs/model/package.json')).resolve('@tensorflow/tfjs-node-gpu');
    return true;
  } catch {
    return false;
  }
}

it.runIf(!gpuPackageInstalled())('`kfkd train --backend tensorflow-gpu` without @tensorflow/tfjs-node-gpu exits 4 with one line naming the package', async () => {
  const result = await kfkd('train', '--net', 'tinyconv-test', '--data', join(dir, 'train.csv'), '--epochs', '1', '--backend', 'tensorflow-gpu', '--run-dir', join(dir, 'run'));
  expect(result.code).toBe(4);
  expect(result.stderr.trim().split('\n')).toEqual([
    'kfkd: --backend tensorflow-gpu: @tensorflow/tfjs-node-gpu is not installed (npm install --no-save @tensorflow/tfjs-node-gpu@4.22.0)',
  ]);
  expect(result.stdout).not.toMatch(/using tfjs backend|epoch/);
});

it('`--help` lists tensorflow-gpu and what it does', async () => {
  const help = (await kfkd('worker', '--help')).stdout.replace(/\s+/g, ' ');
  expect(help).toMatch(/tensorflow-gpu \(tfjs-node-gpu on a visible GPU, else exit code 4/);
  expect(help).toMatch(/choices: "auto", "tensorflow-gpu", "tensorflow", "wasm", "cpu"/);
});
