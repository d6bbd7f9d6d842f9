/**
 * Result intake: a result's header is checked against its task before any
 * gradient byte is taken; a refused result drops its worker (an unknown
 * sender is only refused); an accepted one completes the task and is
 * reported to the observers. (The gradient's chunks: pool.test.ts.)
 */
import { tensorChunks } from '@kfkd/proto';
import { describe, expect, it } from 'vitest';
import type { TaskDone } from './pool-events.ts';
import { type FakeWorker, type Task, clusterJob, deliverReport, fakeCluster, settle } from './testing.ts';

const header = (worker: FakeWorker, task: Task) => ({
  workerId: worker.id,
  session: worker.session,
  generation: task.generation!,
  taskId: task.taskId!,
  epoch: task.epoch!,
  step: task.step!,
  lossSum: 2,
  count: task.rows!.length,
});

/** A cluster whose only worker holds one unanswered training task. */
async function withTask() {
  const done: TaskDone[] = [];
  const cluster = fakeCluster({ observers: [{ taskDone: (d) => done.push(d) }] });
  const worker = cluster.join('w', false);
  const computing = cluster.pool.compute(clusterJob()).catch((error: unknown) => error);
  await settle();
  return { ...cluster, worker, task: worker.tasks[0], computing, done };
}

describe('ResultIntake', () => {
  it('refuses a result of an unknown worker or session without dropping anyone', async () => {
    const { pool, worker, task, computing } = await withTask();
    expect(pool.openReport({ ...header(worker, task), session: worker.session + 1 })).toMatchObject({ ok: false, problem: 'unknown-worker' });
    expect(pool.openReport({ ...header(worker, task), workerId: 'ghost' })).toMatchObject({ ok: false, problem: 'unknown-worker' });
    expect(pool.failures).toEqual([]);
    pool.stop('shutdown');
    await computing;
  });

  for (const [what, change, problem, detail] of [
    ['an older generation', (t: Task) => ({ generation: t.generation! - 1 }), 'stale', /generation \d+, the task's is \d+/],
    ['another step', () => ({ step: 9 }), 'stale', /epoch 1 step 9, the task is for epoch 1 step 0/],
    ['a task not outstanding', (t: Task) => ({ taskId: t.taskId! + 100 }), 'stale', /is not outstanding for this worker/],
    ['a wrong count', (t: Task) => ({ count: t.rows!.length + 1 }), 'invalid', /count \d+, the task has \d+ rows/],
    ['a negative loss', () => ({ lossSum: -1 }), 'invalid', /loss sum -1 is negative/],
    ['a loss of NaN', () => ({ lossSum: Number.NaN }), 'invalid', /loss sum NaN is not finite/],
  ] as const) {
    it(`refuses a header with ${what} and drops its worker`, async () => {
      const { pool, worker, task, computing } = await withTask();
      const outcome = pool.openReport({ ...header(worker, task), ...change(task) });
      expect(outcome).toMatchObject({ ok: false, problem });
      expect(outcome.ok ? '' : outcome.detail).toMatch(detail);
      expect(pool.failures.map((f) => [f.worker, f.reason])).toEqual([['w', 'invalid-message']]);
      expect(pool.failures[0].detail).toMatch(new RegExp(`^${problem} result: `));
      pool.stop('shutdown');
      await computing;
    });
  }

  it('refuses a second Report of a task whose first is still being received', async () => {
    const { pool, worker, task, computing } = await withTask();
    expect(pool.openReport(header(worker, task)).ok).toBe(true);
    expect(pool.openReport(header(worker, task))).toMatchObject({ ok: false, problem: 'stale' });
    expect(pool.failures.map((f) => f.reason)).toEqual(['invalid-message']);
    pool.stop('shutdown');
    await computing;
  });

  it('accepts a complete result: the task completes, the sender counts as heard from, the observers are told', async () => {
    const { pool, clock, worker, task, computing, done } = await withTask();
    clock.advance(1_500);
    const gradient = new Float32Array(8).fill(0.5);
    expect(deliverReport(pool, header(worker, task), tensorChunks(gradient))).toEqual({ ok: true });
    const parts = await computing;
    expect(parts).toEqual([{ firstPosition: 0, count: task.rows!.length, lossSum: 2, gradSum: gradient }]);
    expect(done).toEqual([{ member: expect.objectContaining({ id: 'w', lastSeenAt: clock.now() }), part: 'train', rows: task.rows!.length, seconds: expect.any(Number) }]);
    // Answered: a second delivery of the same result is stale, and drops the worker.
    expect(deliverReport(pool, header(worker, task), tensorChunks(gradient))).toMatchObject({ ok: false, problem: 'stale' });
    pool.stop('finished');
  });
});
