/**
 * The GPU image matches what the pinned tfjs-node-gpu needs (its
 * libtensorflow 2.9.1 is built for CUDA 11.2 and cuDNN 8.1) and runs Node 20.
 * Structural only: docker cannot run in CI.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { DEPLOY_DIR, deployPath } from './files.ts';

const dockerfile = readFileSync(deployPath('docker/Dockerfile.gpu'), 'utf8');
const modelPackage = JSON.parse(readFileSync(`${DEPLOY_DIR}../libs/model/package.json`, 'utf8')) as { optionalDependencies: Record<string, string> };

it('builds on the CUDA 11.2 + cuDNN 8 runtime with Node 20, for the pinned tfjs-node-gpu', () => {
  expect(modelPackage.optionalDependencies['@tensorflow/tfjs-node-gpu']).toBe('4.22.0');
  expect(dockerfile).toMatch(/tfjs-node-gpu 4\.22\.0 binds libtensorflow 2\.9\.1/);
  const bases = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
  expect(bases.filter((b) => b.startsWith('nvidia/cuda:'))).toEqual(['nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04', 'nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04']);
  expect(bases).toContain('node:20.19-bullseye-slim');
  expect(dockerfile).toMatch(/^ENTRYPOINT \["kfkd"\]$/m);
  expect(dockerfile).toMatch(/^USER kfkd$/m);
});
