/**
 * The scheduler's policy, pure: shares proportional to remaining work after
 * minimums, jobs below their minimum waiting, and the moves when a job ends
 * or is added.
 */
import { describe, expect, it } from 'vitest';
import { type JobDemand, placeJoiner, rebalance, targetCounts } from './job-scheduler.ts';

const job = (name: string, remainingWork: number, minWorkers = 1, maxWorkers?: number): JobDemand => ({ job: name, remainingWork, minWorkers, maxWorkers });
const counts = (jobs: JobDemand[], workers: number) => Object.fromEntries(targetCounts(jobs, workers));

describe('targetCounts', () => {
  it('shares workers in proportion to remaining work, as far as whole workers allow', () => {
    expect(counts([job('a', 300), job('b', 100)], 4)).toEqual({ a: 3, b: 1 });
    expect(counts([job('a', 100), job('b', 100), job('c', 200)], 8)).toEqual({ a: 2, b: 2, c: 4 });
    // Six specialists of different sizes on 2 workers: the two biggest first.
    expect(counts([job('s1', 600), job('s2', 200), job('s3', 900)], 2)).toEqual({ s1: 1, s2: 0, s3: 1 });
  });

  it('gives each job its minimum first, the most remaining work per minimum worker first; a job whose minimum does not fit gets none and waits', () => {
    expect(counts([job('a', 1000), job('b', 10, 2)], 3)).toEqual({ a: 1, b: 2 });
    expect(counts([job('a', 10, 2), job('b', 1000, 2)], 3)).toEqual({ a: 0, b: 3 });
    expect(counts([job('a', 10, 4)], 3)).toEqual({ a: 0 });
    // Equal work: the job added first.
    expect(counts([job('a', 100), job('b', 100)], 1)).toEqual({ a: 1, b: 0 });
  });

  it('keeps the minimum of a job that computes: a job that waits never stops one that runs', () => {
    const jobs = [job('a', 100), job('b', 200), job('c', 900)];
    expect(counts(jobs, 2)).toEqual({ a: 0, b: 1, c: 1 });
    expect(Object.fromEntries(targetCounts(jobs, 2, new Map([['a', 1], ['b', 1]])))).toEqual({ a: 1, b: 1, c: 0 });
    // Workers beyond the minimums still follow the remaining work.
    expect(Object.fromEntries(targetCounts(jobs, 4, new Map([['a', 2], ['b', 2]])))).toEqual({ a: 1, b: 1, c: 2 });
  });

  it('gives a job that is over no worker, and a job no more than it can use; the rest stay unassigned', () => {
    expect(counts([job('done', 0), job('b', 50)], 2)).toEqual({ done: 0, b: 2 });
    expect(counts([job('a', 50, 1, 2)], 5)).toEqual({ a: 2 });
  });

  it('never takes a worker from a job when one more worker comes (no moves on a join), unless a waiting job can start', () => {
    const jobs = [job('a', 700), job('b', 300), job('c', 130, 2)];
    let exceptions = 0;
    for (let w = 0; w < 20; w++) {
      const before = targetCounts(jobs, w);
      const after = targetCounts(jobs, w + 1);
      const started = [...after].some(([name, n]) => n > 0 && before.get(name) === 0);
      if (started && [...before].some(([name, n]) => after.get(name)! < n)) {
        exceptions++;
        continue;
      }
      for (const [name, n] of before) expect(after.get(name)).toBeGreaterThanOrEqual(n);
    }
    // c's minimum of 2 fits at 4 workers and takes a's third.
    expect(exceptions).toBe(1);
  });
});

describe('rebalance', () => {
  it('moves the workers of a job that ended to the jobs still running', () => {
    const assignment = new Map<string, string | null>([
      ['w1', 'short'],
      ['w2', 'long'],
    ]);
    const targets = targetCounts([job('short', 0), job('long', 500)], 2);
    expect(rebalance(assignment, targets)).toEqual([{ worker: 'w1', from: 'short', to: 'long' }]);
  });

  it('fills a new job from parked workers first, then from the newest workers of jobs above their share', () => {
    const assignment = new Map<string, string | null>([
      ['w1', 'a'],
      ['w2', 'a'],
      ['w3', 'a'],
      ['w4', null],
    ]);
    const targets = targetCounts([job('a', 100), job('b', 100)], 4);
    expect(rebalance(assignment, targets)).toEqual([
      { worker: 'w4', from: null, to: 'b' },
      { worker: 'w3', from: 'a', to: 'b' },
    ]);
  });

  it('moves nothing when every job has its share, and leaves a surplus where it computes when no job is short', () => {
    const assignment = new Map<string, string | null>([
      ['w1', 'a'],
      ['w2', 'b'],
    ]);
    expect(rebalance(assignment, targetCounts([job('a', 100), job('b', 100)], 2))).toEqual([]);
    expect(rebalance(assignment, targetCounts([job('a', 100, 1, 1), job('b', 100, 1, 1)], 2))).toEqual([]);
    expect(rebalance(new Map([['w1', 'a'], ['w2', 'a']]), targetCounts([job('a', 100, 1, 1)], 2))).toEqual([]);
  });
});

describe('placeJoiner', () => {
  it('sends a joiner to the job furthest below its share, or parks it when no job needs one', () => {
    const jobs = [job('a', 300), job('b', 100)];
    expect(placeJoiner(jobs, new Map())).toBe('a');
    expect(placeJoiner(jobs, new Map([['w1', 'a']]))).toBe('b');
    expect(placeJoiner(jobs, new Map([['w1', 'a'], ['w2', 'b']]))).toBe('a');
    expect(placeJoiner([job('a', 0)], new Map())).toBeNull();
    expect(placeJoiner([], new Map())).toBeNull();
    // A job that needs 2 waits for its second worker rather than computing with one.
    expect(placeJoiner([job('big', 100, 2)], new Map())).toBeNull();
    expect(placeJoiner([job('big', 100, 2)], new Map([['w1', null]]))).toBe('big');
  });
});
