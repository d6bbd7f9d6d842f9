/**
 * The worker registry carrying out membership decisions, on a fake clock:
 * heartbeats (a silent idle worker is dropped at the timeout, a busy one is
 * not), joiners (active only from the next step), rejoins (the earlier
 * session is replaced), and waiting for --min-workers.
 */
import { describe, expect, it } from 'vitest';
import type { Member } from './membership.ts';
import { clusterJob, fakeCluster, settle } from './testing.ts';

describe('heartbeats', () => {
  it('drops a silent idle worker at the heartbeat timeout, never a busy one; a worker that sends heartbeats stays', async () => {
    // Checked every min(1 s, timeout / 4) = 500 ms.
    const { pool, clock, join } = fakeCluster({ heartbeatTimeoutMs: 2_000, stepTimeoutMs: 60_000 });
    const idle = join('idle');
    const chatty = join('chatty');
    const busy = join('busy', false);
    const computing = pool.compute(clusterJob()).catch((error: unknown) => error);
    await settle();
    const heardAt = clock.now();
    const watch = pool.watchHeartbeats();
    for (let t = 0; t < 2_000; t += 500) {
      clock.advance(500);
      expect(pool.heartbeat('chatty', chatty.session)).toBe(pool.generation);
    }
    expect(pool.failures).toEqual([]);
    // Silent for 2000 ms is not yet past the timeout; 2500 ms is.
    clock.advance(500);
    expect(pool.failures).toEqual([{ worker: 'idle', session: idle.session, at: heardAt + 2_500, reason: 'heartbeat', detail: 'not heard from for 2500 ms' }]);
    expect(idle.closed?.reason).toBe('heartbeat');
    // The busy worker has been silent as long, but computes a task: its deadline covers it.
    for (let t = 0; t < 30_000; t += 500) {
      clock.advance(500);
      pool.heartbeat('chatty', chatty.session);
    }
    expect(pool.failures.map((f) => f.worker)).toEqual(['idle']);
    expect(pool.currentMembers().map((m) => m.id).sort()).toEqual(['busy', 'chatty']);
    expect(busy.closed).toBeNull();
    watch.cancel();
    pool.stop('shutdown');
    await computing;
  });

  it('refuses heartbeats of unknown or replaced sessions', () => {
    const { pool, join } = fakeCluster();
    const first = join('a');
    const earlier = first.session;
    join('a');
    expect(pool.heartbeat('a', earlier)).toBeNull();
    expect(pool.heartbeat('nobody', 1)).toBeNull();
  });
});

describe('joins', () => {
  it('a worker that joins during a step becomes active only at the next step', async () => {
    const changes: Member[] = [];
    const { pool, join, answer } = fakeCluster({ observers: [{ workerChanged: (m) => changes.push(m) }] });
    const a = join('a', false);
    const step0 = pool.compute(clusterJob(0));
    await settle();
    const generation = pool.generation;
    const late = join('late');
    await settle();
    // The step in flight stays with a: the joiner is pending, sent neither rows nor tasks.
    expect(late.sent.filter((c) => c.shard || c.task)).toEqual([]);
    expect(pool.currentMembers().find((m) => m.id === 'late')?.state).toBe('pending');
    expect(pool.activeCount).toBe(1);
    expect(answer(a, a.tasks[0])).toEqual({ ok: true });
    const parts = await step0;
    expect(parts).toHaveLength(1);
    expect(pool.generation).toBe(generation);

    a.answering = true;
    await pool.compute(clusterJob(1));
    expect(pool.activeCount).toBe(2);
    expect(pool.generation).toBe(generation + 1);
    expect(late.sent.some((c) => c.shard?.addRows?.length)).toBe(true);
    expect(late.tasks.map((t) => t.step)).toEqual([1]);
    expect(changes.filter((m) => m.id === 'late').map((m) => m.state)).toEqual(['pending', 'active']);
    pool.stop('finished');
  });

  it('a pending joiner is admitted mid-step when the active workers alone are too few, and computes the lost rows', async () => {
    const { pool, clock, join, rowsOf } = fakeCluster({ stepTimeoutMs: 5_000 });
    const lost = join('lost', false);
    const computing = pool.compute(clusterJob());
    await settle();
    const spare = join('spare');
    clock.advance(5_000);
    const parts = await computing;
    expect(pool.failures.map((f) => [f.worker, f.reason])).toEqual([['lost', 'deadline']]);
    expect(rowsOf(spare)).toEqual(rowsOf(lost));
    expect(parts.map((p) => p.count)).toEqual([rowsOf(lost).length]);
    pool.stop('finished');
  });

  it('a rejoin replaces the earlier session: its stream is ended as replaced, its tasks go to the new one', async () => {
    const { pool, join, rowsOf } = fakeCluster();
    const first = join('a', false);
    const computing = pool.compute(clusterJob());
    await settle();
    const second = join('a');
    const parts = await computing;
    expect(first.closed).toEqual({ reason: 'replaced', detail: 'the worker joined again' });
    expect(pool.failures.map((f) => [f.worker, f.session, f.reason])).toEqual([['a', first.session, 'replaced']]);
    expect(second.session).toBeGreaterThan(first.session);
    expect(rowsOf(second)).toEqual(rowsOf(first));
    expect(parts.reduce((n, p) => n + p.count, 0)).toBe(clusterJob().items.length);
    pool.stop('finished');
  });

  it('waits below --min-workers, saying so once per change, and welcomes each worker with a heartbeat interval of a quarter of the timeout', async () => {
    const { pool, log, join } = fakeCluster({ minWorkers: 2, heartbeatTimeoutMs: 2_000 });
    const computing = pool.compute(clusterJob());
    await settle();
    const a = join('a');
    await settle();
    expect(a.tasks).toEqual([]);
    join('b');
    await computing;
    expect(log.lines.filter((l) => l.startsWith('waiting for workers'))).toEqual([
      'waiting for workers: 0 connected, --min-workers is 2 {"have":0,"need":2}',
      'waiting for workers: 1 connected, --min-workers is 2 {"have":1,"need":2}',
    ]);
    expect(a.sent[0].welcome).toMatchObject({ workerId: 'a', session: a.session, heartbeatIntervalMs: 500, parameterCount: 8 });
    pool.stop('finished');
  });
});

describe('moving workers to another job of the pool', () => {
  it('moves a released worker at the next step boundary, never mid-step: it computes its rows, then is sent Moved and its stream ends', async () => {
    const { pool, join, answer, rowsOf } = fakeCluster();
    const a = join('a', false);
    const b = join('b');
    const step0 = pool.compute(clusterJob(0));
    await settle();
    expect(a.tasks).toHaveLength(1);
    pool.release('a', 'job net1 needs it');
    await settle();
    // Mid-step: still a member, its stream open, nothing sent.
    expect(a.closed).toBeNull();
    expect(a.sent.some((c) => c.moved)).toBe(false);
    expect(answer(a, a.tasks[0]!)).toEqual({ ok: true });
    await step0;
    const step1 = pool.compute(clusterJob(1));
    await settle();
    await step1;
    expect(a.sent.at(-1)).toEqual({ moved: { reason: 'job net1 needs it' } });
    expect(a.closed).toEqual({ reason: 'moved', detail: 'job net1 needs it' });
    expect(a.tasks).toHaveLength(1);
    expect(rowsOf(b, b.tasks.slice(1))).toEqual(clusterJob(1).items.map((i) => i.row));
    expect(pool.failures.map((f) => [f.worker, f.reason])).toEqual([['a', 'moved']]);
    expect(pool.currentMembers().map((m) => m.id)).toEqual(['b']);
    pool.stop('shutdown');
  });

  it("moves every worker when the job ends with stop('moved')", async () => {
    const { pool, join } = fakeCluster();
    const a = join('a');
    const b = join('b');
    await pool.compute(clusterJob(0));
    pool.stop('moved');
    await settle();
    for (const w of [a, b]) {
      expect(w.sent.at(-1)).toEqual({ moved: { reason: 'the job is over' } });
      expect(w.closed?.reason).toBe('moved');
    }
    expect(pool.memberCount).toBe(0);
  });

  it('welcomes a join under the session number the pool gave it, and numbers later joins after it', () => {
    const { join } = fakeCluster();
    expect(join('a', true, 42).sent[0]?.welcome?.session).toBe(42);
    expect(join('b').sent[0]?.welcome?.session).toBe(43);
  });
});
