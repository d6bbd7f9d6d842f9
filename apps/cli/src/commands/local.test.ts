/**
 * Distributed training is single-process training: with the same seed,
 * `kfkd local --workers 1, 2 and 3` gives the loss history of `kfkd train`,
 * up to float rounding, for a small conv net with dropout and flips and for
 * net1, over several epochs. With `--topology ring` (the gradients, and the
 * validation losses, summed through the workers) 1 (a star: a ring needs
 * 2), 2, 3 and 4 workers give it too, and exactly the star's history for the
 * same number of workers: the ring adds the parts in the star's order. Real
 * processes on loopback.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEBUG_LOG, expectSameHistory, readHistory } from '../testing/cluster.ts';
import { kfkd, kfkdWithEnv } from '../testing/kfkd-process.ts';

let dir: string;
let data: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kfkd-local-'));
  data = join(dir, 'train.csv');
  const synth = await kfkd('synth', '--rows', '150', '--label-all', '1', '--out', data);
  expect(synth.code).toBe(0);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each([
  { net: 'tinyconv-dropout-flip-test', backend: 'wasm', epochs: '3', workerCounts: [1, 2, 3] },
  { net: 'net1', backend: 'cpu', epochs: '3', workerCounts: [1, 2, 3] },
])('kfkd local with $net', ({ net, backend, epochs, workerCounts }) => {
  const flags = (runDir: string): string[] => ['--net', net, '--data', data, '--epochs', epochs, '--batch', '32', '--backend', backend, '--run-dir', runDir];
  let reference: Awaited<ReturnType<typeof readHistory>>;

  beforeAll(async () => {
    const runDir = join(dir, `${net}-train`);
    const result = await kfkd('train', ...flags(runDir));
    expect(result.code, result.stderr).toBe(0);
    reference = await readHistory(runDir);
    expect(reference).toHaveLength(Number(epochs));
  });

  it.each(workerCounts)('with %i workers gives the loss history of kfkd train and saves the model', async (workers) => {
    const runDir = join(dir, `${net}-local-${workers}`);
    const result = await kfkd('local', '--workers', String(workers), ...flags(runDir));
    expect(result.code, result.stderr).toBe(0);
    expectSameHistory(await readHistory(runDir), reference);
    expect(result.stdout).toMatch(/Epoch \| {2}Train loss/);
    expect(result.stdout).toMatch(/saved model to /);
    expect(result.stdout).toMatch(/^dashboard: http:\/\/127\.0\.0\.1:\d+\/$/m);
    for (let i = 1; i <= workers; i++) expect(result.stderr).toMatch(new RegExp(`\\[worker local-${i}\\] done: training is over`));
    await stat(join(runDir, 'model', 'model.json'));
    await stat(join(runDir, 'checkpoint.kfkd'));
  });
});

describe('kfkd local --topology ring', () => {
  const net = 'tinyconv-dropout-flip-test';
  const flags = (runDir: string): string[] => ['--net', net, '--data', data, '--epochs', '3', '--batch', '32', '--backend', 'wasm', '--run-dir', runDir];

  it.each([1, 2, 3, 4])('with %i workers gives the loss history of kfkd train (and, bit for bit, the star one of as many workers)', async (workers) => {
    const runDir = join(dir, `${net}-ring-${workers}`);
    const result = await kfkdWithEnv(DEBUG_LOG, 'local', '--workers', String(workers), '--topology', 'ring', '--no-dashboard', ...flags(runDir));
    expect(result.code, result.stderr).toBe(0);
    if (workers === 1) {
      // A ring of one would be the star: its steps are star steps, and say why.
      expect(result.stderr).toMatch(/step topology topology=star workers=1 why="1 worker in the round, a ring needs 2"/);
    } else {
      expect(result.stderr).toMatch(new RegExp(`step topology topology=ring workers=${workers} order=`));
      // Validation goes through the ring too; no star task is sent.
      expect(result.stderr).toMatch(/task sent [^\n]*part=valid [^\n]*ring=\d+ position=0/);
      expect(result.stderr).not.toMatch(/task sent (?![^\n]*ring=)/);
      // No round of a run without faults is given up by a worker (the next step's tasks come before the last worker hears back).
      expect(result.stderr).not.toMatch(/ring round dropped/);
    }
    const history = await readHistory(runDir);
    expectSameHistory(history, await readHistory(join(dir, `${net}-train`)));
    if (workers === 4) return;
    const star = await readHistory(join(dir, `${net}-local-${workers}`));
    expect(history.map((h) => [h.train_loss, h.valid_loss])).toEqual(star.map((h) => [h.train_loss, h.valid_loss]));
  });
});

it('kfkd predict works on the distributed run\'s model', async () => {
  const test = join(dir, 'test.csv');
  expect((await kfkd('synth', '--test', '--rows', '4', '--out', test)).code).toBe(0);
  const out = join(dir, 'predictions.csv');
  const result = await kfkd('predict', '--model', join(dir, 'tinyconv-dropout-flip-test-local-2'), '--data', test, '--out', out);
  expect(result.code, result.stderr).toBe(0);
  await stat(out);
});
