import { describe, expect, it } from 'vitest';
import type { DashboardEvent, EpochView, JobStatusView, LinkView, RingHopView, RingRoundView, RunEvent, RunView, WorkerView } from './contract.ts';
import { applyEvent, emptyState, runTiming, slowestHop } from './state.ts';
import { backoffDelay } from '@kfkd/runtime/backoff';

const link: LinkView = { status: 'connecting', coordinator: 'c:1', detail: '', sinceMs: 0 };
const run: RunView = { net: 'net1', data: 'd.csv', trainRows: 100, validRows: 25, batchSize: 32, maxEpochs: 10, stepsPerEpoch: 4, parameterCount: 9, flip: false, startedAtMs: 1000 };
const epoch = (n: number, seconds = 2, atMs = 1000 + n * 2000): EpochView => ({
  epoch: n,
  trainLoss: 0.1 / n,
  validLoss: 0.2 / n,
  trainValidRatio: 0.5,
  validRmsePx: Math.sqrt(0.2 / n) * 48,
  learningRate: 0.01,
  momentum: 0.9,
  seconds,
  atMs,
});
const worker = (id: string, session = 1, state = 'active'): WorkerView => ({ id, session, host: 'h', backend: 'cpu', device: 'CPU', state, samplesPerSecond: 1, lastTaskSeconds: 1, lastHeartbeatMs: 0 });
const hop = (from: string, to: string, megabytes: number, seconds: number): RingHopView => ({ from, to, bytes: megabytes * 1e6, seconds });
const ring = (step: number, hops: RingHopView[] = [hop('a', 'b', 32, 0.1), hop('b', '', 32, 0.2)]): RingRoundView => ({ epoch: 1, step, workers: ['a', 'b'], hops, atMs: 5000 + step });
const reduce = (...events: DashboardEvent[]) => events.reduce(applyEvent, emptyState(link));

describe('the dashboard state', () => {
  it('collects a replay: run, epochs in order, workers by id, then live', () => {
    const s = reduce({ kind: 'run', run }, { kind: 'epoch', epoch: epoch(1) }, { kind: 'epoch', epoch: epoch(2) }, { kind: 'worker', worker: worker('b') }, { kind: 'worker', worker: worker('a') });
    expect(s.replaying).toBe(true);
    expect(s.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(s.workers.map((w) => w.id)).toEqual(['a', 'b']);
    const live = applyEvent(s, { kind: 'replay-done' });
    expect(live.replaying).toBe(false);
    expect(applyEvent(live, { kind: 'epoch', epoch: epoch(3) }).epochs).toHaveLength(3);
  });

  it('starts over on a new replay (the coordinator reconnected), keeping the link', () => {
    const s = reduce({ kind: 'run', run }, { kind: 'epoch', epoch: epoch(1) }, { kind: 'worker', worker: worker('a') }, { kind: 'link', link: { ...link, status: 'connected' } }, { kind: 'run', run });
    expect(s.epochs).toEqual([]);
    expect(s.workers).toEqual([]);
    expect(s.link.status).toBe('connected');
  });

  it('replaces a worker on update and removes only the session that left', () => {
    let s = reduce({ kind: 'worker', worker: worker('a', 1, 'pending') }, { kind: 'worker', worker: worker('a', 1, 'active') });
    expect(s.workers).toEqual([worker('a', 1, 'active')]);
    s = applyEvent(s, { kind: 'worker', worker: worker('a', 2) });
    expect(applyEvent(s, { kind: 'worker-gone', id: 'a', session: 1, reason: 'replaced' }).workers).toHaveLength(1);
    expect(applyEvent(s, { kind: 'worker-gone', id: 'a', session: 2, reason: 'left' }).workers).toHaveLength(0);
  });

  it('never shows an epoch twice', () => {
    const s = reduce({ kind: 'epoch', epoch: epoch(1) }, { kind: 'epoch', epoch: epoch(2) }, { kind: 'epoch', epoch: epoch(2, 3) });
    expect(s.epochs.map((e) => [e.epoch, e.seconds])).toEqual([
      [1, 2],
      [2, 3],
    ]);
  });

  it('does not change state it was not asked to (pages redraw by identity)', () => {
    const s = reduce({ kind: 'run', run }, { kind: 'epoch', epoch: epoch(1) });
    const t = applyEvent(s, { kind: 'step', step: { epoch: 2, step: 0, steps: 4, stepLoss: 0.1, learningRate: 0.01, momentum: 0.9, atMs: 5000 } });
    expect(t.epochs).toBe(s.epochs);
  });
});

describe('ring rounds', () => {
  it("keeps the run's last ring round, live or replayed, and none after a new replay starts", () => {
    const s = reduce({ kind: 'run', run });
    expect(s.ring).toBeNull();
    const t = reduce({ kind: 'run', run }, { kind: 'ring', ring: ring(1) }, { kind: 'replay-done' }, { kind: 'ring', ring: ring(2) });
    expect(t.ring).toEqual(ring(2));
    // Star steps after it do not hide it (it says which step it was measured at).
    expect(applyEvent(t, { kind: 'step', step: { epoch: 1, step: 3, steps: 4, stepLoss: 0.1, learningRate: 0.01, momentum: 0.9, atMs: 6000 } }).ring).toEqual(ring(2));
    expect(applyEvent(t, { kind: 'run', run }).ring).toBeNull();
    expect(applyEvent(t, { kind: 'pool-start', startedAtMs: 1 }).ring).toBeNull();
  });

  it('finds the slow link by rate, not by time alone, and names none with fewer than two timed hops', () => {
    expect(slowestHop(ring(1).hops)).toBe(1);
    // The longest hop carried the most: the 10 MB/s one is the slow link.
    expect(slowestHop([hop('a', 'b', 10, 1), hop('b', 'c', 100, 2), hop('c', '', 100, 1)])).toBe(0);
    // Equals: the first; an untimed hop (0 s) is never the slowest.
    expect(slowestHop([hop('a', 'b', 10, 0), hop('b', 'c', 10, 1), hop('c', '', 10, 1)])).toBe(1);
    expect(slowestHop([hop('a', '', 10, 1)])).toBeNull();
    expect(slowestHop([hop('a', 'b', 10, 0), hop('b', '', 10, 1)])).toBeNull();
    expect(slowestHop([])).toBeNull();
  });
});

describe('a pool of jobs', () => {
  const job = (name: string, epochsDone = 0): JobStatusView => ({ name, net: 'net6', state: 'training', epochsDone, maxEpochs: 40, bestValidRmsePx: 0, workers: 1, minWorkers: 1 });
  const inJob = (name: string, event: RunEvent): DashboardEvent => ({ kind: 'job', job: name, event });

  it("keeps each job's run apart, with the pool's status, and leaves the single run's fields empty", () => {
    const s = reduce(
      { kind: 'pool-start', startedAtMs: 5 },
      { kind: 'pool', jobs: [job('general'), job('mouth')], placements: [{ id: 'a', job: 'general', state: 'in-job' }] },
      inJob('general', { kind: 'run', run }),
      inJob('general', { kind: 'epoch', epoch: epoch(1) }),
      inJob('mouth', { kind: 'run', run: { ...run, net: 'net6' } }),
      inJob('mouth', { kind: 'worker', worker: worker('a') }),
      inJob('mouth', { kind: 'finished', reason: 'early-stopping', atMs: 9 }),
      { kind: 'replay-done' },
    );
    expect(s.replaying).toBe(false);
    expect(s.run).toBeNull();
    expect(s.epochs).toEqual([]);
    expect(s.finished).toBeNull();
    expect(s.pool!.jobs.map((j) => j.name)).toEqual(['general', 'mouth']);
    expect(s.pool!.placements).toEqual([{ id: 'a', job: 'general', state: 'in-job' }]);
    expect(s.pool!.runs.general!.epochs.map((e) => e.epoch)).toEqual([1]);
    expect(s.pool!.runs.mouth!.run!.net).toBe('net6');
    expect(s.pool!.runs.mouth!.workers.map((w) => w.id)).toEqual(['a']);
    expect(s.pool!.runs.mouth!.finished).toEqual({ reason: 'early-stopping', atMs: 9 });
    // The pool's own end is the top level's.
    expect(applyEvent(s, { kind: 'finished', reason: 'completed', atMs: 10 }).finished).toEqual({ reason: 'completed', atMs: 10 });
  });

  it('starts over on a new replay, of a pool or of a run', () => {
    const s = reduce({ kind: 'pool-start', startedAtMs: 5 }, inJob('general', { kind: 'run', run }), inJob('general', { kind: 'epoch', epoch: epoch(1) }));
    expect(applyEvent(s, { kind: 'pool-start', startedAtMs: 6 }).pool).toEqual({ startedAtMs: 6, jobs: [], placements: [], runs: {} });
    expect(applyEvent(s, { kind: 'run', run }).pool).toBeNull();
    // A job's RunInfo starts that job over only.
    const t = applyEvent(s, inJob('other', { kind: 'run', run }));
    expect(t.pool!.runs.general!.epochs).toHaveLength(1);
    expect(applyEvent(t, inJob('general', { kind: 'run', run })).pool!.runs.general!.epochs).toEqual([]);
  });

  it("keeps each job's ring round apart, cleared when that job starts over", () => {
    const s = reduce(
      { kind: 'pool-start', startedAtMs: 5 },
      inJob('general', { kind: 'run', run }),
      inJob('mouth', { kind: 'run', run }),
      inJob('general', { kind: 'ring', ring: ring(1) }),
      inJob('mouth', { kind: 'ring', ring: ring(2) }),
      inJob('general', { kind: 'ring', ring: ring(3) }),
    );
    expect(s.ring).toBeNull();
    expect(s.pool!.runs.general!.ring).toEqual(ring(3));
    expect(s.pool!.runs.mouth!.ring).toEqual(ring(2));
    const t = applyEvent(s, inJob('general', { kind: 'run', run }));
    expect(t.pool!.runs.general!.ring).toBeNull();
    expect(t.pool!.runs.mouth!.ring).toEqual(ring(2));
  });

  it("does not change another job's run (pages redraw by identity)", () => {
    const s = reduce({ kind: 'pool-start', startedAtMs: 5 }, inJob('general', { kind: 'run', run }), inJob('general', { kind: 'epoch', epoch: epoch(1) }));
    expect(applyEvent(s, inJob('mouth', { kind: 'epoch', epoch: epoch(1) })).pool!.runs.general).toBe(s.pool!.runs.general);
  });
});

describe('run timing', () => {
  it('adds the epoch in progress to the elapsed time and estimates the rest from recent epochs', () => {
    const s = reduce({ kind: 'run', run }, { kind: 'epoch', epoch: epoch(1, 2, 3000) }, { kind: 'epoch', epoch: epoch(2, 4, 7000) });
    const t = runTiming(s, 8000);
    expect(t.elapsedSeconds).toBeCloseTo(7);
    expect(t.currentEpoch).toBe(3);
    // 8 epochs left at 3 s each, 1 s of the next one done.
    expect(t.remainingSeconds).toBeCloseTo(23);
  });

  it('has no estimate before the first epoch and none after the end', () => {
    expect(runTiming(reduce({ kind: 'run', run }), 5000).remainingSeconds).toBeNull();
    const done = reduce({ kind: 'run', run }, { kind: 'epoch', epoch: epoch(1) }, { kind: 'finished', reason: 'completed', atMs: 9000 });
    expect(runTiming(done, 99_000)).toEqual({ elapsedSeconds: 2, remainingSeconds: null, currentEpoch: 1 });
  });
});

describe('backoff', () => {
  it('doubles from the initial delay up to the maximum, jittered downwards only', () => {
    const options = { initialMs: 100, maxMs: 1000, jitter: 0.5 };
    expect([0, 1, 2, 3, 4, 40].map((a) => backoffDelay(a, options, () => 0))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoffDelay(0, options, () => 1)).toBe(50);
  });
});
