/**
 * `kfkd coordinator` and its run directory's checkpoints: a corrupt checkpoint
 * is refused with one clear line and exit code 2, the previous one is kept,
 * and `--resume-from previous` resumes it on request (never silently); a
 * resumed run may extend --epochs but not shorten it. Real processes on loopback.
 */
import { readFile, rm, stat, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TEST_TOKEN, expectSameHistory, readHistory } from '../testing/cluster.ts';
import { type Outcome, expectOneLineError, kfkd, kfkdWithEnv } from '../testing/kfkd-process.ts';

let dir: string;
let data: string;
const flags = (runDir: string, epochs: number): string[] => ['--net', 'tinyconv-test', '--data', data, '--epochs', String(epochs), '--batch', '32', '--run-dir', runDir];
const coordinator = (...args: string[]) => kfkdWithEnv({ KFKD_TOKEN: TEST_TOKEN }, 'coordinator', '--listen', '127.0.0.1:0', ...args);

/** Exit 2, and the error is one line, the last of stderr (after the coordinator's own log lines). */
function expectRefusal(result: Outcome, pattern: RegExp): void {
  const lines = result.stderr.trim().split('\n');
  expect(lines.at(-1)).toMatch(pattern);
  expectOneLineError({ ...result, stderr: lines.filter((l) => l.startsWith('kfkd:')).join('\n') }, pattern);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kfkd-coordinator-'));
  data = join(dir, 'train.csv');
  expect((await kfkd('synth', '--rows', '100', '--label-all', '1', '--out', data)).code).toBe(0);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('a corrupt checkpoint is refused with one line and exit 2, the previous one is kept, and --resume-from previous resumes it; more --epochs extend the run, fewer are refused', async () => {
  const reference = join(dir, 'reference');
  const trained = await kfkd('train', ...flags(reference, 3), '--backend', 'wasm');
  expect(trained.code, trained.stderr).toBe(0);

  const runDir = join(dir, 'run');
  const first = await kfkd('local', '--workers', '1', '--backend', 'wasm', ...flags(runDir, 2));
  expect(first.code, first.stderr).toBe(0);
  const file = join(runDir, 'checkpoint.kfkd');
  const previous = await readFile(`${file}.prev`);
  const corrupt = await readFile(file);
  corrupt[corrupt.length - 40] ^= 0xff;
  await writeFile(file, corrupt);

  expectRefusal(await coordinator(...flags(runDir, 2)), /^kfkd: checkpoint .*checkpoint\.kfkd is corrupt \(checksum mismatch\); refusing to resume from it\. .*--resume-from previous/);
  expect(await readFile(file)).toEqual(corrupt);
  expect(await readFile(`${file}.prev`)).toEqual(previous);

  // The previous checkpoint is the state after epoch 1: the resumed run trains epoch 2 again, then a third on request.
  const resumed = await kfkd('local', '--workers', '1', '--backend', 'wasm', '--resume-from', 'previous', ...flags(runDir, 3));
  expect(resumed.code, resumed.stderr).toBe(0);
  expect(resumed.stdout).toMatch(/resuming from the checkpoint in .*: epoch 2, step 0/);
  expect(resumed.stderr).toMatch(/resuming from the previous checkpoint; the current one is set aside/);
  expect(await readFile(`${file}.set-aside`)).toEqual(corrupt);
  expectSameHistory(await readHistory(runDir), await readHistory(reference));

  expectRefusal(await coordinator(...flags(runDir, 2)), /^kfkd: checkpoint .* is of a run with epochs 3; a resumed run may extend it \(epochs >= 3\) but not shorten it to 2$/);
  await stat(join(runDir, 'model', 'model.json'));
});

it('--resume-from previous without a previous checkpoint is refused', async () => {
  const runDir = join(dir, 'fresh');
  expectRefusal(await coordinator(...flags(runDir, 1), '--resume-from', 'previous'), /^kfkd: --resume-from previous: there is no previous checkpoint .*checkpoint\.kfkd\.prev$/);
});
