/** A run directory's config.json is written whole (atomically), replacing an earlier run's, and the history starts empty. */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { HISTORY_FILE } from './history.ts';
import { CONFIG_FILE, RunDirectory } from './run-directory.ts';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'kfkd-run-dir-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

it('creates the directory with config.json and an empty history, replacing what an earlier run left, and no temporary file', async () => {
  const path = join(root, 'runs', 'a');
  await RunDirectory.create(path, { net: 'net1', epochs: 400, note: 'x'.repeat(1000) });
  await writeFile(join(path, HISTORY_FILE), '{"epoch":1}\n');
  const run = await RunDirectory.create(path, { net: 'net2' });
  expect(run.path).toBe(path);
  expect(await readFile(join(path, CONFIG_FILE), 'utf8')).toBe('{\n  "net": "net2"\n}\n');
  expect(await readFile(join(path, HISTORY_FILE), 'utf8')).toBe('');
  expect((await readdir(path)).sort()).toEqual([CONFIG_FILE, HISTORY_FILE].sort());
});
