/**
 * The GPU image matches what the pinned tfjs-node-gpu needs (its
 * libtensorflow 2.9.1 is built for CUDA 11.2 and cuDNN 8.1), runs Node 20,
 * and runs the compiled build (`npm run build`) with production dependencies
 * only, as a non-root user. Read from the Dockerfile, not built: no docker
 * engine runs in CI. apps/cli/src/compiled-build.test.ts runs the compiled
 * build in the same layout (dist/ next to a node_modules without tsx).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { expect, it } from 'vitest';
import { DEPLOY_DIR, deployPath, k8sFiles, yamlDocuments } from './files.ts';

const REPO = `${DEPLOY_DIR}../`;
const CUDA_RUNTIME = 'nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04';

const dockerfile = readFileSync(deployPath('docker/Dockerfile.gpu'), 'utf8');
const modelPackage = JSON.parse(readFileSync(`${REPO}libs/model/package.json`, 'utf8')) as { optionalDependencies: Record<string, string> };
const rootPackage = JSON.parse(readFileSync(`${REPO}package.json`, 'utf8')) as { workspaces: string[]; scripts: Record<string, string> };
const lock = JSON.parse(readFileSync(`${REPO}package-lock.json`, 'utf8')) as { packages: Record<string, { dev?: boolean }> };

interface Stage {
  readonly base: string;
  readonly name: string | undefined;
  /** Instructions, continuation lines joined, comments dropped. */
  readonly instructions: readonly string[];
}

function stages(text: string): Stage[] {
  const instructions = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'));
  const result: { base: string; name: string | undefined; instructions: string[] }[] = [];
  for (const line of instructions) {
    const from = /^FROM (\S+)(?: AS (\S+))?$/i.exec(line);
    if (from) result.push({ base: from[1], name: from[2], instructions: [] });
    else result.at(-1)?.instructions.push(line);
  }
  return result;
}

const all = stages(dockerfile);
const runtime = all.at(-1)!;
const stageRunning = (pattern: RegExp): Stage | undefined => all.find((s) => s.instructions.some((i) => i.startsWith('RUN ') && pattern.test(i)));
const copiesFrom = (stage: Stage): { from: string | undefined; source: string; target: string }[] =>
  stage.instructions.flatMap((i) => {
    const m = /^COPY (?:--from=(\S+) )?(\S+(?: \S+)*) (\S+)$/.exec(i);
    return m ? m[2].split(' ').map((source) => ({ from: m[1], source, target: m[3] })) : [];
  });

it('builds on the CUDA 11.2 + cuDNN 8 runtime with Node 20, for the pinned tfjs-node-gpu', () => {
  expect(modelPackage.optionalDependencies['@tensorflow/tfjs-node-gpu']).toBe('4.22.0');
  expect(dockerfile).toMatch(/tfjs-node-gpu 4\.22\.0 binds libtensorflow 2\.9\.1/);
  expect(runtime.base).toBe(CUDA_RUNTIME);
  expect(all.map((s) => s.base)).toContain('node:20.19-bullseye-slim');
  // The native packages are installed on the runtime's own base, and tfjs-node-gpu must have found its binary.
  const deps = stageRunning(/npm ci --omit=dev/)!;
  expect(deps.base).toBe(CUDA_RUNTIME);
  expect(deps.instructions.join('\n')).toMatch(/test -e node_modules\/@tensorflow\/tfjs-node-gpu\/lib\/napi-v8\/tfjs_binding\.node/);
  expect(deps.instructions.join('\n')).not.toMatch(/--omit=optional|--no-optional/);
});

it('compiles in a build stage and runs the compiled CLI with production dependencies only, without tsx', () => {
  expect(rootPackage.scripts.build).toBeDefined();
  const build = stageRunning(/npm run build/)!;
  expect(build).toBeDefined();
  expect(build.instructions.some((i) => /npm ci(?! [^&]*--omit=dev)/.test(i))).toBe(true);
  const deps = stageRunning(/npm ci --omit=dev/)!;
  expect(deps).not.toBe(build);
  // npm ci --omit=dev leaves tsx out because it is only a dev dependency.
  expect(lock.packages['node_modules/tsx'].dev).toBe(true);

  // The runtime stage takes node, the production node_modules and dist/, and nothing else (no sources).
  const copies = copiesFrom(runtime);
  const dist = copies.find((c) => c.from === build.name && c.source.endsWith('/dist'))!;
  expect(dist).toBeDefined();
  expect(copies.find((c) => c.from === deps.name && c.source.endsWith('/node_modules'))).toBeDefined();
  expect(copies.filter((c) => c !== dist && !c.source.endsWith('/node_modules') && c.source !== '/usr/local/bin/node')).toEqual([]);
  expect(runtime.instructions.join('\n')).not.toMatch(/tsx|npm /);

  const entrypoint = runtime.instructions.find((i) => i.startsWith('ENTRYPOINT '))!;
  expect(JSON.parse(entrypoint.slice('ENTRYPOINT '.length))).toEqual(['node', `${dist.target}/kfkd.js`]);
});

it('lets npm ci see every workspace of the repository, in the build and the production install', () => {
  const workspaces = rootPackage.workspaces.flatMap((w) =>
    w.endsWith('/*')
      ? readdirSync(`${REPO}${w.slice(0, -2)}`, { withFileTypes: true })
          .filter((e) => e.isDirectory())
          .map((e) => `${w.slice(0, -2)}/${e.name}`)
      : [w],
  );
  for (const stage of [stageRunning(/npm run build/)!, stageRunning(/npm ci --omit=dev/)!]) {
    const sources = copiesFrom(stage)
      .filter((c) => c.from === undefined)
      .map((c) => c.source.replace(/\/$/, ''));
    // A workspace's package.json, or a folder holding it.
    const covered = (w: string): boolean => sources.some((s) => s === `${w}/package.json` || w === s || w.startsWith(`${s}/`));
    for (const w of workspaces) expect(covered(w), `${w} in the stage FROM ${stage.base}`).toBe(true);
    expect(sources).toContain('package-lock.json');
  }
});

it('runs as a numeric non-root user, the one the Kubernetes manifests ask for', () => {
  const users = runtime.instructions.filter((i) => i.startsWith('USER '));
  expect(users).toHaveLength(1);
  const uid = /^USER (\d+)(?::\d+)?$/.exec(users[0]);
  expect(uid, 'USER must be numeric for runAsNonRoot').not.toBeNull();
  expect(Number(uid![1])).toBeGreaterThan(0);
  const runAsUsers: unknown[] = [];
  const collect = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(collect);
    else if (node && typeof node === 'object')
      for (const [key, value] of Object.entries(node)) {
        if (key === 'runAsUser') runAsUsers.push(value);
        else collect(value);
      }
  };
  for (const file of k8sFiles()) yamlDocuments(file).forEach(collect);
  expect(runAsUsers.length).toBeGreaterThan(0);
  for (const user of runAsUsers) expect(user).toBe(Number(uid![1]));
});

it('keeps installed packages, build output, runs and data out of the build context', () => {
  const ignored = readFileSync(`${REPO}.dockerignore`, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'));
  expect(ignored).toContain('**/node_modules');
  for (const path of ['dist', 'runs', 'data', '.git', '.nx']) expect(ignored).toContain(path);
});
