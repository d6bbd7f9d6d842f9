/**
 * A pool of two jobs on two workers is each job trained alone: with the
 * same seed, every job's loss history is `kfkd train`'s, and the worker of
 * the short job moves to the long one when it ends (protocol: Moved, then a
 * new Join welcomed into the long job with its net). The workers are real
 * `kfkd worker` processes on loopback; the pool's coordinator
 * (PoolCoordinator) runs in this process, so that its log can be read
 * (`kfkd pipeline` is the command that runs one: commands/pipeline.test.ts).
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PoolCoordinator, TokenCheck } from '@kfkd/coordinator';
import { paramLayout, selectBackend } from '@kfkd/model';
import { memoryLogger } from '@kfkd/runtime';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TEST_TOKEN, expectSameHistory, readHistory, startKfkd } from './testing/cluster.ts';
import { kfkd } from './testing/kfkd-process.ts';
import { loadTrainingInputs, runConfig, startingParameters } from './training-setup.ts';

let dir: string;
let data: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kfkd-pool-'));
  data = join(dir, 'train.csv');
  const synth = await kfkd('synth', '--rows', '150', '--label-all', '1', '--out', data);
  expect(synth.code).toBe(0);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const JOBS = [
  { name: 'short', net: 'tinyconv-test', epochs: 2, seed: 7 },
  { name: 'long', net: 'net1', epochs: 6, seed: 42 },
] as const;

it('trains two jobs side by side on two workers, each as `kfkd train` alone, the short job’s worker moving to the long one when it ends', async () => {
  const flags = (job: (typeof JOBS)[number]) => ({ net: job.net, data, epochs: job.epochs, batch: 32, seed: job.seed });
  const references = await Promise.all(
    JOBS.map(async (job) => {
      const runDir = join(dir, `${job.name}-train`);
      const f = flags(job);
      const result = await kfkd('train', '--net', f.net, '--data', data, '--epochs', String(f.epochs), '--batch', '32', '--seed', String(f.seed), '--backend', 'wasm', '--run-dir', runDir);
      expect(result.code, result.stderr).toBe(0);
      return readHistory(runDir);
    }),
  );

  // The coordinator computes nothing; tfjs only writes the final models.
  await selectBackend('cpu');
  const log = memoryLogger();
  const pool = new PoolCoordinator({ listen: '127.0.0.1:0', tokens: new TokenCheck(TEST_TOKEN), tls: null, log });
  const port = await pool.start();
  const runs = JOBS.map(async (job) => {
    const f = flags(job);
    const inputs = await loadTrainingInputs(f);
    const { spec, data: dataset, prepared } = inputs;
    return pool.runJob(job.name, {
      spec,
      data: prepared,
      parameters: await startingParameters(spec, f, () => undefined),
      seed: f.seed,
      runDir: join(dir, `${job.name}-pool`),
      runConfig: runConfig(f, inputs),
      identity: { net: spec.name, data, dataRows: dataset.rows, seed: f.seed, epochs: spec.training.maxEpochs, batchSize: spec.training.batchSize, parameters: paramLayout(spec).size },
      predictEvery: 0,
    });
  });
  const workers = ['pw-1', 'pw-2'].map((id) => startKfkd(['worker', '--coordinator', `127.0.0.1:${port}`, '--id', id, '--backend', 'wasm', '--insecure']));
  try {
    const outcomes = await Promise.all(runs);
    pool.close();
    for (const outcome of outcomes) expect(outcome.result.stopReason).toBe('completed');
    for (const w of workers) expect(await w.exitedWithin(30_000)).toBe(0);
    await pool.stop();
  } finally {
    for (const w of workers) w.kill('SIGKILL');
    await pool.stop();
  }

  for (const [i, job] of JOBS.entries()) {
    expectSameHistory(await readHistory(join(dir, `${job.name}-pool`)), references[i]!);
    await stat(join(dir, `${job.name}-pool`, 'model', 'model.json'));
  }
  // The long job (more remaining work) got the first worker, the short one the other. The job that ended first
  // (the short one, unless timing on a loaded machine says otherwise) had its worker moved: sent Moved, it joined
  // again at once and was welcomed into the job still running, and computed tasks there.
  const fields = (line: string) => JSON.parse(line.slice(line.indexOf('{'))) as { worker: string; job: string; session: number; reason?: string };
  const assigned = log.lines.filter((l) => l.startsWith('worker assigned ')).map(fields);
  expect(assigned.slice(0, 2).map((a) => a.job)).toEqual(['long', 'short']);
  const firstOver = log.lines.findIndex((l) => l.startsWith('job over '));
  const ended = fields(log.lines[firstOver]!).job;
  const running = ended === 'short' ? 'long' : 'short';
  const mover = assigned.find((a) => a.job === ended)!.worker;
  const after = log.lines.slice(firstOver);
  expect(after.filter((l) => l.startsWith('worker removed ')).map(fields)[0]).toMatchObject({ job: ended, worker: mover, reason: 'moved' });
  const rejoined = after.filter((l) => l.startsWith('worker assigned ')).map(fields);
  expect(rejoined[0]).toMatchObject({ worker: mover, job: running });
  expect(after.some((l) => l.startsWith('task sent ') && fields(l).session === rejoined[0]!.session)).toBe(true);
  const moved = workers.find((w) => w.stderr.some((l) => /moved to another job/.test(l)));
  expect(moved, 'a worker says it was moved').toBeDefined();
  expect(moved!.stderr.join('\n')).not.toMatch(/reconnecting/);
  for (const w of workers) expect(w.stderr.join('\n')).toMatch(/done: training is over/);
}, 300_000);
