/**
 * Tasks under a deadline, on a fake clock (no real waiting): a task not
 * answered in time drops its worker, and only its rows are computed again,
 * by the others; an answered task's deadline never fires.
 */
import { describe, expect, it } from 'vitest';
import { CoordinatorStoppedError } from './errors.ts';
import { CLUSTER_TRAIN_ROWS, clusterJob, fakeCluster, settle } from './testing.ts';

describe('task deadlines', () => {
  it("drops a worker whose task is past its deadline; only its rows are computed again, by the others", async () => {
    const { pool, clock, join, rowsOf } = fakeCluster({ stepTimeoutMs: 5_000 });
    const a = join('a');
    const b = join('b');
    const silent = join('silent', false);
    const computing = pool.compute(clusterJob());
    await settle();
    // a and b answered; the silent worker holds its task.
    expect(silent.tasks).toHaveLength(1);
    const silentRows = rowsOf(silent);
    const firstRound = { a: a.tasks.length, b: b.tasks.length };

    clock.advance(4_999);
    await settle();
    expect(pool.failures).toEqual([]);
    clock.advance(1);
    const parts = await computing;

    expect(pool.failures).toEqual([{ worker: 'silent', session: silent.session, at: clock.now(), reason: 'deadline', detail: `no result for task ${silent.tasks[0].taskId} within 5000 ms` }]);
    expect(silent.closed).toEqual({ reason: 'deadline', detail: `no result for task ${silent.tasks[0].taskId} within 5000 ms` });
    // The second round: exactly the silent worker's rows, split between a and b.
    const again = [...rowsOf(a, a.tasks.slice(firstRound.a)), ...rowsOf(b, b.tasks.slice(firstRound.b))].sort((x, y) => x - y);
    expect(again).toEqual(silentRows);
    expect(a.tasks.length - firstRound.a).toBe(1);
    expect(b.tasks.length - firstRound.b).toBe(1);
    expect(parts.reduce((n, p) => n + p.count, 0)).toBe(CLUSTER_TRAIN_ROWS);
    expect(parts.reduce((n, p) => n + p.lossSum, 0)).toBe(CLUSTER_TRAIN_ROWS);
    pool.stop('finished');
  });

  it('an answered task leaves no timer behind and its worker stays', async () => {
    const { pool, clock, join } = fakeCluster({ stepTimeoutMs: 5_000, heartbeatTimeoutMs: 60_000 });
    join('a');
    await pool.compute(clusterJob());
    expect(clock.pending).toBe(0);
    clock.advance(10_000);
    expect(pool.failures).toEqual([]);
    pool.stop('finished');
  });

  it('a stop fails the outstanding tasks at once, without waiting for their deadline', async () => {
    const { pool, clock, join } = fakeCluster({ stepTimeoutMs: 5_000 });
    join('silent', false);
    const computing = pool.compute(clusterJob());
    await settle();
    pool.stop('shutdown');
    await expect(computing).rejects.toBeInstanceOf(CoordinatorStoppedError);
    expect(clock.pending).toBe(0);
    expect(pool.failures.map((f) => f.reason)).toEqual(['shutdown']);
  });
});
