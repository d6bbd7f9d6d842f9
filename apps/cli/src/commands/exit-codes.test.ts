/**
 * The exit codes a batch system acts on (failure.ts, README "Exit codes"),
 * through the real `kfkd` command: a finished, an interrupted and a refused
 * coordinator, worker and `kfkd local`. A finished run started again exits 0
 * at once and leaves its run directory as it was; SIGTERM checkpoints and
 * exits 143, and the restart resumes. Real processes on loopback, a tiny net.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_COMPLETE, EXIT_FAILED, EXIT_NO_DEVICE, EXIT_REFUSED, EXIT_SIGINT, EXIT_SIGTERM, EXIT_USAGE } from '../failure.ts';
import { TEST_TOKEN, readHistory, startCoordinator, startKfkd, startWorker } from '../testing/cluster.ts';
import { type Outcome, kfkd, kfkdWithEnv } from '../testing/kfkd-process.ts';

let dir: string;
let data: string;
// 100 complete rows: 80 training rows, 3 steps of batch 32 per epoch, a fraction of a second on wasm.
const flags = (runDir: string, epochs?: number): string[] => [
  ...['--net', 'tinyconv-test', '--data', data, '--batch', '32', '--run-dir', runDir],
  ...(epochs === undefined ? [] : ['--epochs', String(epochs)]),
];
// Enough epochs that a run cannot end before the test stops it.
const LONG = 1000;
const coordinator = (...args: string[]): Promise<Outcome> => kfkdWithEnv({ KFKD_TOKEN: TEST_TOKEN }, 'coordinator', '--listen', '127.0.0.1:0', ...args);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kfkd-exit-codes-'));
  data = join(dir, 'train.csv');
  expect((await kfkd('synth', '--rows', '100', '--label-all', '1', '--out', data)).code).toBe(0);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Every file of a run directory with its content hash and modification time. */
async function snapshot(runDir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const name of (await readdir(runDir, { recursive: true })).sort()) {
    const path = join(runDir, name);
    const info = await stat(path);
    if (info.isFile()) files[name] = `${createHash('sha256').update(await readFile(path)).digest('hex')} ${info.mtimeMs}`;
  }
  return files;
}

/** The only stderr lines a command wrote itself (not its log lines). */
const ownLines = (stderr: string | readonly string[]): string[] => (typeof stderr === 'string' ? stderr.split('\n') : [...stderr]).filter((l) => l.startsWith('kfkd:'));

describe('a finished run', () => {
  let runDir: string;

  beforeAll(async () => {
    runDir = join(dir, 'finished');
    const { coordinator: first, port } = await startCoordinator(flags(runDir, 2));
    const worker = startWorker(port, 'w', 'wasm');
    expect(await first.exited, first.stderr.join('\n')).toBe(EXIT_COMPLETE);
    // The coordinator told the worker the run is over: 0, and a Job would not restart it.
    expect(await worker.exited, worker.stderr.join('\n')).toBe(EXIT_COMPLETE);
    expect(worker.stderr.join('\n')).toMatch(/done: training is over tasksAccepted=[1-9]/);
    expect(await readHistory(runDir)).toHaveLength(2);
  });

  it.each([
    { how: 'with the same --epochs', epochs: 2 },
    { how: "without --epochs (the run's own, not the net's 50)", epochs: undefined },
  ])('started again $how, the coordinator exits 0 at once with one line, trains nothing, serves no worker and changes no file', async ({ epochs }) => {
    const before = await snapshot(runDir);
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['checkpoint.kfkd', 'history.jsonl', 'config.json', join('model', 'model.json')]));
    const again = await coordinator(...flags(runDir, epochs));
    expect(again.code, again.stderr).toBe(EXIT_COMPLETE);
    expect(again.stdout.trim().split('\n')).toEqual([`the run in ${runDir} is already complete (2 of 2 epochs); nothing to do. Model: ${join(runDir, 'model')}`]);
    expect(again.stderr).not.toMatch(/listening on|resuming|step applied/);
    expect(await snapshot(runDir)).toEqual(before);
  });

  it('more --epochs extend it', async () => {
    const { coordinator: longer, port } = await startCoordinator(flags(runDir, 3));
    await longer.waitFor(/resuming from the checkpoint in .*: epoch 3, step 0/);
    const worker = startWorker(port, 'w', 'wasm');
    expect(await longer.exited).toBe(EXIT_COMPLETE);
    expect(await worker.exited).toBe(EXIT_COMPLETE);
    expect((await readHistory(runDir)).map((h) => h.epoch)).toEqual([1, 2, 3]);
  });

  it('kfkd local on it exits 0 at once too', async () => {
    const before = await snapshot(runDir);
    const local = await kfkd('local', '--workers', '1', '--backend', 'wasm', '--no-dashboard', ...flags(runDir, 3));
    expect(local.code, local.stderr).toBe(EXIT_COMPLETE);
    expect(local.stdout).toMatch(/is already complete \(3 of 3 epochs\); nothing to do/);
    expect(local.stderr).not.toMatch(/\[worker/);
    expect(await snapshot(runDir)).toEqual(before);
  });
});

it('SIGTERM: the worker leaves the run and exits 143; the coordinator checkpoints and exits 143; the restart resumes from the checkpoint', async () => {
  const runDir = join(dir, 'interrupted');
  const first = await startCoordinator(flags(runDir, LONG));
  const worker = startWorker(first.port, 'w', 'wasm');
  await first.coordinator.waitFor(/^\s+2 \|/);
  worker.kill('SIGTERM');
  expect(await worker.exited).toBe(EXIT_SIGTERM);
  expect(worker.stderr.join('\n')).toMatch(/\bstopped tasksAccepted=[1-9]/);
  first.coordinator.kill('SIGTERM');
  expect(await first.coordinator.exited).toBe(EXIT_SIGTERM);
  expect(first.coordinator.stdout.join('\n')).toMatch(/^interrupted (after \d+ complete epochs; checkpoint saved|while waiting for workers; the last epoch's checkpoint .* is kept)/m);
  await stat(join(runDir, 'checkpoint.kfkd'));
  const done = (await readHistory(runDir)).length;
  expect(done).toBeGreaterThanOrEqual(2);

  // The restart (same command: a Job's replacement pod) resumes after the last epoch done, and trains on.
  const second = await startCoordinator(flags(runDir, LONG));
  const resumed = await second.coordinator.waitFor(/resuming from the checkpoint in .*: epoch (\d+), step (\d+)/);
  expect(Number(resumed[1])).toBe(done + 1);
  const again = startWorker(second.port, 'w', 'wasm');
  await second.coordinator.waitFor(new RegExp(`^\\s+${done + 1} \\|`));
  second.coordinator.kill('SIGTERM');
  expect(await second.coordinator.exited).toBe(EXIT_SIGTERM);
  // Its coordinator gone (shut down, not finished), the worker keeps trying to reconnect until told to stop.
  await again.waitFor(/session ended; reconnecting/);
  again.kill('SIGTERM');
  expect(await again.exited).toBe(EXIT_SIGTERM);
  const epochs = (await readHistory(runDir)).map((h) => h.epoch);
  expect(epochs).toEqual(epochs.map((_, i) => i + 1));
  expect(epochs.length).toBeGreaterThan(done);
});

it('Ctrl-C on kfkd local: the coordinator checkpoints, every child stops, and local exits 130; the restart resumes', async () => {
  const runDir = join(dir, 'local-interrupted');
  const local = startKfkd(['local', '--workers', '2', '--backend', 'wasm', '--no-dashboard', ...flags(runDir, LONG)], {}, { ownProcessGroup: true });
  await local.waitFor(/^\s+1 \|/);
  // To the whole process group, as a terminal sends it: only local may hear it, and it stops its children in order.
  local.killGroup('SIGINT');
  expect(await local.exitedWithin(45_000), local.stderr.join('\n')).toBe(EXIT_SIGINT);
  const log = local.stderr.join('\n');
  expect(local.stdout.join('\n')).toMatch(/^interrupted after \d+ complete epochs; checkpoint saved/m);
  for (const id of ['local-1', 'local-2']) expect(log).toMatch(new RegExp(`\\[worker ${id}\\] stopped tasksAccepted=`));
  expect(ownLines(local.stderr)).toEqual([]);
  const done = (await readHistory(runDir)).length;

  const again = startKfkd(['local', '--workers', '1', '--backend', 'wasm', '--no-dashboard', ...flags(runDir, LONG)]);
  await again.waitFor(new RegExp(`resuming from the checkpoint in .*: epoch ${done + 1}, step`));
  again.kill('SIGTERM');
  expect(await again.exitedWithin(45_000)).toBe(EXIT_SIGTERM);
});

it('kfkd train stops on SIGTERM after the step in flight, keeps the model and exits 143; kfkd dashboard exits 130 on Ctrl-C', async () => {
  const runDir = join(dir, 'train-interrupted');
  const train = startKfkd(['train', '--backend', 'wasm', ...flags(runDir, LONG)]);
  await train.waitFor(/^\s+1 \|/);
  train.kill('SIGTERM');
  expect(await train.exited, train.stderr.join('\n')).toBe(EXIT_SIGTERM);
  expect(train.stdout.join('\n')).toMatch(/^interrupted after \d+ complete epochs$/m);
  await stat(join(runDir, 'model', 'model.json'));

  const dashboard = startKfkd(['dashboard', '--coordinator', '127.0.0.1:1', '--listen', '127.0.0.1:0']);
  await dashboard.waitFor(/\[dashboard\] serving http/);
  dashboard.kill('SIGINT');
  expect(await dashboard.exited).toBe(EXIT_SIGINT);
});

describe('refused or misconfigured', () => {
  it('a bad flag, a flag out of range, an unknown command: exit 2 with commander\'s message', async () => {
    for (const args of [['coordinator', '--data', data, '--bogus'], ['coordinator', '--data', data, '--epochs', '0'], ['worker'], ['nonsense']]) {
      const result = await kfkdWithEnv({ KFKD_TOKEN: TEST_TOKEN }, ...args);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(EXIT_USAGE);
      expect(result.stderr).toMatch(/error: /);
    }
  });

  it('a coordinator with missing data, or a worker without credentials: exit 2 and one line naming the fix', async () => {
    const missing = await coordinator(...flags(join(dir, 'no-data'), 1).map((a) => (a === data ? join(dir, 'missing.csv') : a)));
    expect(missing.code).toBe(EXIT_USAGE);
    expect(ownLines(missing.stderr)).toEqual([expect.stringMatching(/missing\.csv/)]);
    // (A coordinator without credentials makes its own, credentials.test.ts.)
    const bare = await kfkdWithEnv({ KFKD_TOKEN: '' }, 'worker', '--coordinator', '127.0.0.1:1', '--backend', 'wasm');
    expect(bare.code).toBe(EXIT_USAGE);
    expect(ownLines(bare.stderr)).toEqual([expect.stringMatching(/^kfkd: no credentials: pass --credentials DIR/)]);
  });

  it('a coordinator whose port is taken: exit 1 (run time; another try may find it free)', async () => {
    const server = createServer();
    const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
    try {
      const result = await kfkdWithEnv({ KFKD_TOKEN: TEST_TOKEN }, 'coordinator', ...flags(join(dir, 'port-taken'), 1), '--listen', `127.0.0.1:${port}`);
      expect(result.code, result.stderr).toBe(EXIT_FAILED);
      expect(ownLines(result.stderr)).toEqual([expect.stringMatching(new RegExp(`^kfkd: cannot listen on 127\\.0\\.0\\.1:${port}`))]);
    } finally {
      server.close();
    }
  });

  it('a worker with the wrong token: exit 3 with one line, no retrying; the coordinator waiting for workers stops on SIGTERM with 143', async () => {
    const runDir = join(dir, 'refused');
    const { coordinator: waiting, port } = await startCoordinator(flags(runDir, 1));
    const intruder = startWorker(port, 'intruder', 'wasm', { KFKD_TOKEN: 'wrong-token' });
    expect(await intruder.exited).toBe(EXIT_REFUSED);
    expect(ownLines(intruder.stderr)).toEqual([expect.stringMatching(/refused this worker: UNAUTHENTICATED/)]);
    expect(intruder.stderr.join('\n')).not.toMatch(/reconnecting/);
    waiting.kill('SIGTERM');
    expect(await waiting.exited).toBe(EXIT_SIGTERM);
    expect(waiting.stdout.join('\n')).toMatch(/interrupted while waiting for workers/);
  });

  it.skipIf(resolvable('@tensorflow/tfjs-node'))('kfkd local whose workers cannot get their backend: one line naming the worker, the run stopped, and its code', async () => {
    const local = await kfkd('local', '--workers', '1', '--backend', 'tensorflow', '--no-dashboard', ...flags(join(dir, 'no-backend'), LONG));
    const line = /^kfkd: the worker local-1 exited with code (\d+)/m.exec(local.stderr);
    expect(line, local.stderr).not.toBeNull();
    expect(local.code).toBe(Number(line![1]));
    // A missing package is a configuration error (2); a missing GPU is 4.
    expect([EXIT_USAGE, EXIT_NO_DEVICE]).toContain(local.code);
  });
});

function resolvable(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}
