/**
 * The Watch of a pool: every job's events named by the job, the pool's
 * status (jobs and placements) replayed and sent when it changes, and a
 * viewer's stream that goes on past a job's end and ends with the pool's.
 */
import type { WatchEvent } from '@kfkd/proto';
import { expect, it } from 'vitest';
import type { Placement } from './job-router.ts';
import type { Member } from './membership.ts';
import { PoolJournal } from './pool-journal.ts';
import { WatchJournal } from './watch-journal.ts';
import { type ViewerSink, WatchViewers } from './watch-viewers.ts';

const journalOf = (net: string, maxEpochs: number) =>
  new WatchJournal({
    run: { net, data: 'd.csv', trainRows: 10, validRows: 2, batchSize: 2, maxEpochs, stepsPerEpoch: 5, parameterCount: 1, flip: false, startedAtMs: 0 },
    hyperparameters: () => ({ learningRate: 0.01, momentum: 0.9 }),
    stepIntervalMs: 0,
  });
const record = (epoch: number, validRmsePx: number) => ({ epoch, trainLoss: 0.1, validLoss: 0.2, trainValidRatio: 0.5, validRmsePx, learningRate: 0.01, momentum: 0.9, seconds: 1 });
const member = (id: string, session: number): Member => ({ id, session, backend: 'wasm', device: 'cpu', state: 'active', joinedAt: 0, lastSeenAt: 0 });
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

function pool(placements: Placement[] = []) {
  const journal = new PoolJournal({ placements: () => placements, now: () => 7 });
  const general = journalOf('net2', 30);
  const specialist = journalOf('net6', 40);
  general.epoch(record(1, 3.2));
  general.epoch(record(2, 2.9));
  general.worker(member('w1', 1));
  journal.addJob('general', general, 1);
  journal.addJob('left_eye_center', specialist, 1);
  return { journal, general, specialist };
}

it('replays the pool: PoolInfo, the status of every job and worker, each job named, one ReplayDone', () => {
  const placements: Placement[] = [
    { worker: 'w1', state: 'in-job', job: 'general' },
    { worker: 'w2', state: 'parked', job: '' },
  ];
  const { journal } = pool(placements);
  const replay = journal.replay();
  expect(replay[0]).toEqual({ timeMs: 7, poolInfo: { startedAtMs: 7 } });
  expect(replay[1]!.pool).toEqual({
    jobs: [
      { name: 'general', net: 'net2', state: 'training', epochsDone: 2, maxEpochs: 30, bestValidRmsePx: 2.9, workers: 1, minWorkers: 1 },
      { name: 'left_eye_center', net: 'net6', state: 'waiting', epochsDone: 0, maxEpochs: 40, bestValidRmsePx: 0, workers: 0, minWorkers: 1 },
    ],
    workers: [
      { workerId: 'w1', job: 'general', state: 'in-job' },
      { workerId: 'w2', job: '', state: 'parked' },
    ],
  });
  const named = replay.slice(2, -1);
  expect(named.map((e) => [e.job, Object.keys(e).find((k) => k !== 'timeMs' && k !== 'job')])).toEqual([
    ['general', 'run'],
    ['general', 'epoch'],
    ['general', 'epoch'],
    ['general', 'worker'],
    ['left_eye_center', 'run'],
  ]);
  expect(replay.at(-1)).toEqual({ timeMs: 7, replayDone: {} });
  expect(replay.filter((e) => e.replayDone)).toHaveLength(1);
});

it('streams each job named, and a new status once per turn when one changed (not for steps, not when equal)', async () => {
  const { journal, specialist } = pool();
  await tick();
  const seen: WatchEvent[] = [];
  journal.subscribe((e) => seen.push(e));
  specialist.step({ epoch: 1, step: 0, steps: 5, stepLoss: 0.3 });
  await tick();
  expect(seen.map((e) => [e.job, e.step ? 'step' : e.pool ? 'pool' : '?'])).toEqual([['left_eye_center', 'step']]);
  specialist.worker(member('w2', 2));
  specialist.epoch(record(1, 4.5));
  await tick();
  const statuses = seen.filter((e) => e.pool);
  expect(statuses).toHaveLength(1);
  expect(statuses[0]!.pool!.jobs![1]).toMatchObject({ name: 'left_eye_center', state: 'training', epochsDone: 1, bestValidRmsePx: 4.5, workers: 1 });
  journal.statusChanged();
  await tick();
  expect(seen.filter((e) => e.pool)).toHaveLength(1);
});

it('a job added while a viewer watches arrives as in a replay: its RunInfo and history, named', () => {
  const { journal } = pool();
  const seen: WatchEvent[] = [];
  journal.subscribe((e) => seen.push(e));
  const late = journalOf('net3', 5);
  late.epoch(record(1, 5));
  journal.addJob('mouth', late, 1);
  expect(seen.map((e) => [e.job, e.run ? 'run' : e.epoch ? 'epoch' : '?'])).toEqual([
    ['mouth', 'run'],
    ['mouth', 'epoch'],
  ]);
});

it("a viewer's stream goes on past a job's end and ends with the pool's", async () => {
  const { journal, general } = pool();
  const written: WatchEvent[] = [];
  let ended = false;
  const sink: ViewerSink = {
    write: (e) => (written.push(e), true),
    onDrain: () => undefined,
    onClose: () => undefined,
    end: () => (ended = true),
    drop: () => undefined,
    sever: () => undefined,
  };
  new WatchViewers(journal).open(sink);
  general.finish('completed');
  await tick();
  expect(ended).toBe(false);
  expect(written.find((e) => e.finished)).toMatchObject({ job: 'general', finished: { reason: 'completed' } });
  expect(written.filter((e) => e.pool).at(-1)!.pool!.jobs![0]).toMatchObject({ name: 'general', state: 'completed' });
  journal.finish('completed');
  expect(ended).toBe(true);
  expect(written.at(-1)).toEqual({ timeMs: 7, finished: { reason: 'completed' } });
  // A viewer of a pool that is over gets the replay and the end.
  const replay = journal.replay();
  expect(replay.at(-1)).toEqual({ timeMs: 7, finished: { reason: 'completed' } });
});

it('a job added again under the name of one that ended replaces it, in its place', async () => {
  const { journal, general } = pool();
  general.finish('aborted');
  const again = journalOf('net2', 30);
  journal.addJob('general', again, 1);
  const seen: WatchEvent[] = [];
  journal.subscribe((e) => seen.push(e));
  general.epoch(record(3, 1));
  again.epoch(record(1, 7));
  await tick();
  expect(seen.filter((e) => e.epoch).map((e) => e.epoch!.validRmsePx)).toEqual([7]);
  expect(journal.status().jobs.map((j) => [j.name, j.state, j.epochsDone])).toEqual([
    ['general', 'waiting', 1],
    ['left_eye_center', 'waiting', 0],
  ]);
});
