/**
 * `kfkd pipeline --local-workers 2` end to end, real processes on loopback:
 * a tiny general net, its six specialists side by side on the two
 * workers, the merge into 30 columns and a Kaggle submission of 27,124
 * rows (the size of Kaggle's own). A specialist of the pool trains exactly
 * as `kfkd train` of that specialist alone from the same general net; a
 * pipeline interrupted by Ctrl-C mid-way and started again resumes each
 * job where it stood, without touching the finished ones; a worker killed
 * while the specialists train costs no job, and no job's history changes.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KEYPOINT_COLUMNS, writeLookupTable } from '@kfkd/data';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectSameHistory, readHistory, startKfkd, startWorker } from '../testing/cluster.ts';
import { kfkd } from '../testing/kfkd-process.ts';

const JOBS = ['general', ...[1, 2, 3, 4, 5, 6].map((n) => `specialist-${n}`)];
const TEST_FACES = 1783;
const SUBMISSION_ROWS = 27_124;

let dir: string;
let data: string;
let test: string;
let lookup: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kfkd-pipeline-'));
  data = join(dir, 'train.csv');
  test = join(dir, 'test.csv');
  lookup = join(dir, 'IdLookupTable.csv');
  expect((await kfkd('synth', '--rows', '150', '--label-all', '1', '--out', data)).code).toBe(0);
  expect((await kfkd('synth', '--test', '--rows', String(TEST_FACES), '--out', test, '--lookup', join(dir, 'synth-lookup.csv'))).code).toBe(0);
  // Kaggle's table asks for 27,124 keypoint values of its 1,783 faces: all 30 of 584 faces, 20 of one, 8 of the others.
  const rows = [];
  for (let image = 1; image <= TEST_FACES; image++) {
    const wanted = image <= 584 ? 30 : image === 585 ? 20 : 8;
    for (const featureName of KEYPOINT_COLUMNS.slice(0, wanted)) rows.push({ rowId: rows.length + 1, imageId: image, featureName });
  }
  expect(rows).toHaveLength(SUBMISSION_ROWS);
  await writeLookupTable(lookup, rows);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const pipeline = (runDir: string): string[] => [
  'pipeline',
  ...['--local-workers', '2', '--net', 'tinyconv-test', '--epochs', '2', '--specialist-epochs', '3', '--batch', '32', '--backend', 'wasm'],
  ...['--data', data, '--test', test, '--lookup', lookup, '--run-dir', runDir],
];

it('trains the general net and six specialists on two workers, each specialist as `kfkd train` alone, and writes the merged predictions and submission', async () => {
  const runDir = join(dir, 'whole');
  const run = startKfkd(pipeline(runDir));
  expect(await run.exitedWithin(120_000), run.stderr.join('\n')).toBe(0);
  for (const [i, job] of JOBS.entries()) expect(await readHistory(join(runDir, job)), job).toHaveLength(i === 0 ? 2 : 3);
  expect(run.stdout).toContainEqual(expect.stringMatching(/^\[specialist-5\] +3 \| /));
  expect(run.stdout).toContainEqual(expect.stringMatching(/^worker local-\d moves from general to specialist-\d$/));

  const [header, ...predictions] = (await readFile(join(runDir, 'predictions.csv'), 'utf8')).trim().split('\n');
  expect(header.split(',')).toEqual(['ImageId', ...KEYPOINT_COLUMNS]);
  expect(predictions).toHaveLength(TEST_FACES);
  const submission = (await readFile(join(runDir, 'submission.csv'), 'utf8')).trim().split('\n');
  expect(submission[0]).toBe('RowId,Location');
  expect(submission).toHaveLength(SUBMISSION_ROWS + 1);
  await stat(join(runDir, 'faces.png'));

  const alone = join(dir, 'specialist-3-alone');
  const train = await kfkd('train', '--net', 'tinyconv-test-specialist-3', '--init-from', join(runDir, 'general'), '--data', data, '--epochs', '3', '--batch', '32', '--backend', 'wasm', '--run-dir', alone);
  expect(train.code, train.stderr).toBe(0);
  expectSameHistory(await readHistory(join(runDir, 'specialist-3')), await readHistory(alone));
}, 180_000);

it('stopped by Ctrl-C mid-way and started again, resumes every job where it stood and leaves the finished ones as they were', async () => {
  const runDir = join(dir, 'resumed');
  const first = startKfkd(pipeline(runDir), {}, { ownProcessGroup: true });
  await first.waitFor(/^\[specialist-\d\] +1 \| /, 90_000);
  first.killGroup('SIGINT');
  expect(await first.exitedWithin(60_000), first.stderr.join('\n')).toBe(130);
  // The jobs that finished before the signal: the general net, and any specialist that said so.
  const finished = ['general', ...first.stdout.flatMap((line) => /^\[(specialist-\d)\] finished 3 epochs/.exec(line)?.[1] ?? [])];
  const before = await Promise.all(finished.map((job) => untouched(join(runDir, job))));

  const second = startKfkd(pipeline(runDir));
  expect(await second.exitedWithin(120_000), second.stderr.join('\n')).toBe(0);
  expect(second.stdout).toContainEqual(expect.stringMatching(/^\[general {5}\] already finished \(2 epochs\): not trained again/));
  expect(second.stdout).toContainEqual(expect.stringMatching(/^\[specialist-\d\] resuming from its checkpoint: epoch \d, step \d/));
  for (const [i, job] of finished.entries()) {
    expect(second.stdout, job).toContainEqual(expect.stringMatching(new RegExp(`^\\[${job} *\\] already finished`)));
    expect(await untouched(join(runDir, job)), job).toEqual(before[i]);
  }
  // Every job as if never interrupted: the same histories as the whole run of the first test.
  for (const job of JOBS) expectSameHistory(await readHistory(join(runDir, job)), await readHistory(join(dir, 'whole', job)));
  const submission = (await readFile(join(runDir, 'submission.csv'), 'utf8')).trim().split('\n');
  expect(submission).toHaveLength(SUBMISSION_ROWS + 1);
}, 240_000);

it('a worker killed while the specialists train loses no job: its job goes on with the other worker, and every history is as without the kill', async () => {
  const runDir = join(dir, 'killed');
  const tiny = ['--net', 'tinyconv-test', '--epochs', '2', '--specialist-epochs', '3', '--batch', '32', '--data', data, '--run-dir', runDir];
  const pool = startKfkd(['pipeline', '--listen', '127.0.0.1:0', ...tiny]);
  const port = Number((await pool.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1]);
  const victim = startWorker(port, 'victim', 'wasm');
  const survivor = startWorker(port, 'survivor', 'wasm');
  // Killed in the middle of its first specialist (one worker per job: 2 workers, 6 jobs), after that job's first epoch of 3.
  const victimJob = (await pool.waitFor(/worker assigned worker=victim session=\d+ job=(specialist-\d)/, 90_000))[1];
  await pool.waitFor(new RegExp(`^\\[${victimJob} *\\] +1 \\| `), 60_000);
  victim.kill('SIGKILL');
  expect(await pool.exitedWithin(120_000), pool.stderr.join('\n')).toBe(0);
  expect(await survivor.exitedWithin(30_000)).toBe(0);
  const log = pool.stderr.join('\n');
  expect(log).toMatch(/worker removed job=specialist-\d worker=victim session=\d+ reason=stream-closed/);
  expect(log).toMatch(new RegExp(`worker assigned worker=survivor session=\\d+ job=${victimJob}\\b`));
  for (const job of JOBS) expectSameHistory(await readHistory(join(runDir, job)), await readHistory(join(dir, 'whole', job)));
}, 240_000);

/** What must not change in a finished job's run directory: its history, and when its model and checkpoint were written. */
async function untouched(runDir: string): Promise<{ history: string; modelWritten: number; checkpointWritten: number }> {
  return {
    history: await readFile(join(runDir, 'history.jsonl'), 'utf8'),
    modelWritten: (await stat(join(runDir, 'model', 'model.json'))).mtimeMs,
    checkpointWritten: (await stat(join(runDir, 'checkpoint.kfkd'))).mtimeMs,
  };
}
