import { describe, expect, it } from 'vitest';
import type { WatchEvent } from '@kfkd/proto';
import type { EpochRecord } from '@kfkd/model';
import type { Member } from './membership.ts';
import { WatchJournal } from './watch-journal.ts';

const run = { net: 'net1', data: 'd.csv', trainRows: 100, validRows: 25, batchSize: 32, maxEpochs: 10, stepsPerEpoch: 4, parameterCount: 9, flip: false, startedAtMs: 0 };
const record = (epoch: number): EpochRecord => ({ epoch, trainLoss: 0.1, validLoss: 0.2, trainValidRatio: 0.5, validRmsePx: 21.5, learningRate: 0.01, momentum: 0.9, seconds: 1 });
const member = (id: string, session = 1): Member => ({ id, session, host: 'ipv4:127.0.0.1:5', backend: 'cpu', device: 'CPU', state: 'active', joinedAt: 0, lastSeenAt: 7 });

function journal(): { j: WatchJournal; clock: { now: number } } {
  const clock = { now: 0 };
  const j = new WatchJournal({ run, hyperparameters: (e) => ({ learningRate: 0.01 * e, momentum: 0.9 }), stepIntervalMs: 100, now: () => clock.now });
  return { j, clock };
}

const kinds = (events: readonly WatchEvent[]): string[] => events.map((e) => Object.keys(e).find((k) => k !== 'timeMs')!);

describe('the watch journal', () => {
  it('replays the run, every epoch (resumed ones included), the workers, the last step and predictions, then replayDone', () => {
    const { j } = journal();
    j.epoch(record(1));
    j.epoch(record(2));
    j.worker(member('a'));
    j.step({ epoch: 3, step: 0, steps: 4, stepLoss: 0.3 });
    j.predictions(2, [{ pixels: new Uint8Array(4), predicted: new Float32Array([1, 2]), truth: new Float32Array([3, 4]) }]);
    const replay = j.replay();
    expect(kinds(replay)).toEqual(['run', 'epoch', 'epoch', 'worker', 'step', 'predictions', 'replayDone']);
    expect(replay[2].epoch!.epoch).toBe(2);
    expect(replay[4].step).toMatchObject({ epoch: 3, learningRate: 0.03 });
    expect(replay[3].worker).toMatchObject({ workerId: 'a', host: 'ipv4:127.0.0.1:5', state: 'active', lastHeartbeatMs: 7 });
  });

  it('sends live events to subscribers until they unsubscribe, and ends the replay with finished once over', () => {
    const { j } = journal();
    const seen: WatchEvent[] = [];
    const unsubscribe = j.subscribe((e) => seen.push(e));
    j.epoch(record(1));
    unsubscribe();
    j.epoch(record(2));
    expect(kinds(seen)).toEqual(['epoch']);
    j.finish('completed');
    j.finish('failed');
    expect(j.finished).toBe(true);
    expect(kinds(j.replay()).slice(-2)).toEqual(['replayDone', 'finished']);
    expect(j.replay().at(-1)!.finished!.reason).toBe('completed');
  });

  it('sends steps at a modest rate, but always the last step of an epoch', () => {
    const { j, clock } = journal();
    const seen: WatchEvent[] = [];
    j.subscribe((e) => seen.push(e));
    for (let step = 0; step < 4; step++) {
      clock.now += 30;
      j.step({ epoch: 1, step, steps: 4, stepLoss: 0.1 });
    }
    expect(seen.map((e) => e.step!.step)).toEqual([0, 3]);
  });

  it('drops a worker only for the session that left, with its throughput', () => {
    const { j, clock } = journal();
    j.worker(member('a', 1));
    j.workerGone({ worker: 'a', session: 2, at: 0, reason: 'replaced', detail: '' });
    expect(kinds(j.replay())).toContain('worker');
    clock.now = 1000;
    j.taskDone(member('a', 1), 64, 0.5);
    expect(j.replay().find((e) => e.worker)!.worker).toMatchObject({ samplesPerSecond: 128, lastTaskSeconds: 0.5 });
    j.workerGone({ worker: 'a', session: 1, at: 0, reason: 'deadline', detail: 'late' });
    expect(kinds(j.replay())).not.toContain('worker');
  });

  it('keeps only the latest step and predictions: memory grows with epochs only', () => {
    const { j, clock } = journal();
    for (let i = 0; i < 100; i++) {
      clock.now += 1000;
      j.step({ epoch: 1, step: i, steps: 1000, stepLoss: 0.1 });
    }
    expect(j.replay()).toHaveLength(3);
  });

  it('sends the ring of a ring round with its hops at most every 4 step intervals, and replays the last one', () => {
    const { j, clock } = journal();
    const seen: WatchEvent[] = [];
    j.subscribe((e) => seen.push(e));
    const round = (step: number) => ({ part: 'train' as const, epoch: 1, step, workers: ['a', 'b'], hops: [{ from: 'a', to: 'b', bytes: 36, seconds: 0.5 }, { from: 'b', to: '', bytes: 36, seconds: 0.25 }] });
    j.ringRound(round(0));
    clock.now = 399;
    j.ringRound(round(1));
    clock.now = 400;
    j.ringRound(round(2));
    expect(seen.map((e) => e.ring?.step)).toEqual([0, 2]);
    expect(seen[0].ring).toEqual({ epoch: 1, step: 0, workers: ['a', 'b'], hops: [{ fromWorker: 'a', toWorker: 'b', bytes: 36, seconds: 0.5 }, { fromWorker: 'b', toWorker: '', bytes: 36, seconds: 0.25 }] });
    expect(kinds(j.replay())).toEqual(['run', 'ring', 'replayDone']);
    expect(j.replay()[1].ring?.step).toBe(2);
  });
});
