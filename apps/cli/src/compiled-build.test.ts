/**
 * The compiled build (`npm run build`) runs as production runs it: built into
 * a temporary /app-like folder whose node_modules holds the third-party
 * packages but neither tsx nor the workspace links to the .ts sources, and
 * started with plain `node` (Node 20 cannot load a .ts file: any source
 * reached at run time fails the command). Then --help, synth, a one-epoch
 * train on the wasm backend (its .wasm files and pthread script), and `kfkd
 * local` (coordinator, worker and dashboard as compiled child processes).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type BuildResult, REPO_ROOT, buildDist } from '../scripts/build-dist.ts';

/** Left out of the app's node_modules: what production must not need. */
const NOT_IN_PRODUCTION = new Set(['tsx', '@kfkd', '.bin', '.package-lock.json']);

let dir: string;
let build: BuildResult;
let buildSeconds: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kfkd-compiled-'));
  const app = join(dir, 'app');
  const started = performance.now();
  build = await buildDist(join(app, 'dist'));
  buildSeconds = (performance.now() - started) / 1000;
  await mkdir(join(app, 'node_modules'));
  const repoModules = join(REPO_ROOT, 'node_modules');
  for (const entry of await readdir(repoModules)) {
    if (!NOT_IN_PRODUCTION.has(entry)) await symlink(join(repoModules, entry), join(app, 'node_modules', entry));
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

function compiledKfkd(...args: string[]): Promise<Outcome> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', KFKD_METRICS_LISTEN: 'off' };
  delete env.FORCE_COLOR;
  delete env.NODE_OPTIONS;
  return new Promise((resolve) => {
    execFile(process.execPath, [build.entry, ...args], { cwd: dir, env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(folder, join(e.parentPath, e.name)));
}

it('holds the compiled workspace packages, and TypeScript only where the dashboard bundles its page at start', async () => {
  expect(build.packages).toEqual(expect.arrayContaining(['@kfkd/cli', '@kfkd/coordinator', '@kfkd/worker', '@kfkd/dashboard', '@kfkd/model', '@kfkd/proto']));
  const files = await filesUnder(build.outDir);
  expect(files).toContain('node_modules/@kfkd/proto/kfkd.proto');
  expect(files).toContain('node_modules/@kfkd/dashboard/src/page/index.html');
  expect(files.filter((f) => f.endsWith('.ts') && !/^node_modules\/@kfkd\/dashboard\/src\/(page|shared)\//.test(f))).toEqual([]);
  expect(files.filter((f) => /\.test\.|testing/.test(f))).toEqual([]);
  const model = JSON.parse(await readFile(join(build.outDir, 'node_modules/@kfkd/model/package.json'), 'utf8')) as { exports: Record<string, string> };
  expect(model.exports['.']).toBe('./src/index.js');
  // The build is part of the image build; it must stay quick.
  expect(buildSeconds).toBeLessThan(90);
});

it('kfkd --help lists the commands', async () => {
  const result = await compiledKfkd('--help');
  expect(result.code, result.stderr).toBe(0);
  expect(result.stderr).toBe('');
  for (const command of ['synth', 'train', 'coordinator', 'worker', 'local', 'dashboard']) expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
});

it('synth, train on the wasm backend, then local with a worker and the dashboard', async () => {
  const data = join(dir, 'training.csv');
  const synth = await compiledKfkd('synth', '--rows', '120', '--label-all', '1', '--out', data);
  expect(synth.code, synth.stderr).toBe(0);
  expect((await readFile(data, 'utf8')).trim().split('\n')).toHaveLength(121);

  const flags = ['--net', 'tinyconv-test', '--data', data, '--epochs', '1', '--batch', '32', '--backend', 'wasm'];
  const train = await compiledKfkd('train', ...flags, '--run-dir', join(dir, 'train'));
  expect(train.code, train.stderr).toBe(0);
  expect(train.stdout).toMatch(/backend 'wasm' .*WebAssembly/);
  expect(train.stdout).toMatch(/^ {6}1 \| +\d/m);
  await stat(join(dir, 'train', 'model', 'model.json'));

  const local = await compiledKfkd('local', '--workers', '1', ...flags, '--run-dir', join(dir, 'local'));
  expect(local.code, local.stderr).toBe(0);
  // Printed once the dashboard has bundled its page: the page's sources made it into the build.
  expect(local.stdout).toMatch(/^dashboard: http:\/\/127\.0\.0\.1:\d+\/$/m);
  expect(local.stdout).toMatch(/^ {6}1 \| +\d/m);
  expect(local.stderr).toMatch(/\[worker local-1\] .*'wasm'/);
  await stat(join(dir, 'local', 'model', 'model.json'));
});
