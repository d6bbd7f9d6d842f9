/**
 * The router of a pool of several jobs, through fake worker streams on a
 * fake clock: each Join goes to the job the scheduler picks (welcomed with
 * that job's net) or is parked; Reports and Heartbeats reach the pool of
 * their session's job; workers move only at a step boundary, and a moved
 * worker that joins again is welcomed into the job it was moved to.
 */
import { type Command, type TaskResult__Output, partToWire } from '@kfkd/proto';
import { memoryLogger } from '@kfkd/runtime';
import { describe, expect, it } from 'vitest';
import { JobRouter } from './job-router.ts';
import type { PoolOptions, WorkerPool } from './pool.ts';
import { CLUSTER_TRAIN_ROWS, FakeClock, type Task, chunksOf, clusterJob, settle } from './testing.ts';

const PARAMETERS = 8;
const rows = (count: number) => ({ rows: count, pixels: new Uint8Array(count * 9216), targets: new Float32Array(count * 2) });

interface FakeWorker {
  readonly id: string;
  /** Every command of every session, in order. */
  readonly sent: Command[];
  /** The net (specJson) of each Welcome, in order. */
  readonly welcomes: string[];
  session: number;
  /** Sessions whose stream ended, and how. */
  readonly closed: { session: number; reason: string }[];
  /** Tasks by the job (specJson) of the session they came in. */
  readonly tasks: { job: string; task: Task }[];
  /** Answers tasks by itself; when false they wait for answerAll(). */
  answering: boolean;
  /** Joins again after Moved, as kfkd worker does. */
  rejoins: boolean;
}

function setUp() {
  const clock = new FakeClock();
  const log = memoryLogger();
  const router = new JobRouter({ log, clock, transitTimeoutMs: 30_000 });
  const work = new Map<string, number>();
  const addJob = (name: string, remainingWork: number, minWorkers = 1): WorkerPool => {
    work.set(name, remainingWork);
    const options: PoolOptions = {
      data: { columns: ['x', 'y'], train: rows(CLUSTER_TRAIN_ROWS), valid: rows(4), sourceRows: CLUSTER_TRAIN_ROWS + 4 },
      specJson: JSON.stringify({ name }),
      parameterCount: PARAMETERS,
      minWorkers,
      stepTimeoutMs: 5_000,
      heartbeatTimeoutMs: 60_000,
      log,
      clock,
    };
    return router.addJob(name, options, () => ({ remainingWork: work.get(name)!, minWorkers }));
  };
  const held: { worker: FakeWorker; job: string; task: Task }[] = [];
  const answer = (worker: FakeWorker, session: number, task: Task): void => {
    const header: TaskResult__Output = { workerId: worker.id, session, generation: task.generation!, taskId: task.taskId!, epoch: task.epoch!, step: task.step!, lossSum: task.rows!.length, count: task.rows!.length };
    const opened = router.openReport(header);
    if (!opened.ok) throw new Error(`report refused: ${opened.detail}`);
    for (const chunk of chunksOf(task.part === partToWire('train') ? new Float32Array(PARAMETERS).fill(1) : null)) opened.receiver.chunk(chunk.offset, chunk.values);
    opened.receiver.finish();
  };
  const connect = (worker: FakeWorker): void => {
    let job = '';
    let session = 0;
    router.join(
      { id: worker.id, backend: 'wasm', device: 'cpu' },
      {
        send: async (command) => {
          worker.sent.push(command);
          if (command.welcome) {
            session = worker.session = command.welcome.session!;
            job = (JSON.parse(command.welcome.specJson!) as { name: string }).name;
            worker.welcomes.push(job);
          }
          const task = command.task;
          if (!task) return;
          worker.tasks.push({ job, task });
          const s = session;
          if (worker.answering) setImmediate(() => answer(worker, s, task));
          else held.push({ worker, job, task });
        },
        close: (reason) => {
          worker.closed.push({ session, reason });
          if (reason === 'moved' && worker.rejoins) setImmediate(() => connect(worker));
        },
      },
    );
  };
  const join = (id: string, answering = true): FakeWorker => {
    const worker: FakeWorker = { id, sent: [], welcomes: [], session: 0, closed: [], tasks: [], answering, rejoins: true };
    connect(worker);
    return worker;
  };
  const answerHeld = (): void => {
    for (const { worker, task } of held.splice(0)) answer(worker, worker.session, task);
  };
  return { router, clock, log, addJob, join, answerHeld, work };
}

const jobsOf = (w: FakeWorker) => [...new Set(w.tasks.map((t) => t.job))];

describe('JobRouter', () => {
  it("welcomes each worker into the job the scheduler picks, with that job's net, and routes its Reports and Heartbeats to that job's pool", async () => {
    const { router, addJob, join } = setUp();
    const a = addJob('a', 300);
    const b = addJob('b', 100);
    const w1 = join('w1');
    const w2 = join('w2');
    expect(w1.welcomes).toEqual(['a']);
    expect(w2.welcomes).toEqual(['b']);
    expect(w1.session).not.toBe(w2.session);
    await Promise.all([a.compute(clusterJob(0)), b.compute(clusterJob(0))]);
    expect(jobsOf(w1)).toEqual(['a']);
    expect(jobsOf(w2)).toEqual(['b']);
    expect(router.heartbeat('w1', w1.session)).toBe(a.generation);
    expect(router.heartbeat('w2', w2.session)).toBe(b.generation);
    expect(router.heartbeat('w2', w1.session)).toBeNull();
    expect(router.openReport({ workerId: 'w1', session: 99, generation: 1, taskId: 1, epoch: 1, step: 0, lossSum: 0, count: 0 })).toMatchObject({ ok: false, problem: 'unknown-worker' });
    router.stop('shutdown');
  });

  it("moves a job's workers to the job still running when it ends: they join again and are welcomed into it with its net", async () => {
    const { router, addJob, join, log } = setUp();
    const long = addJob('long', 300);
    const short = addJob('short', 100);
    const w1 = join('w1');
    const w2 = join('w2');
    await short.compute(clusterJob(0));
    router.endJob('short');
    await settle();
    expect(w2.sent.some((c) => c.moved)).toBe(true);
    expect(w2.closed.map((c) => c.reason)).toEqual(['moved']);
    expect(w2.welcomes).toEqual(['short', 'long']);
    expect(router.placement()).toEqual(new Map([['w1', 'long'], ['w2', 'long']]));
    // The next step of the long job is computed by both.
    await long.compute(clusterJob(0));
    expect(jobsOf(w1)).toEqual(['long']);
    expect(w2.tasks.filter((t) => t.job === 'long').length).toBe(1);
    expect(log.lines.join('\n')).toMatch(/job over .*"job":"short"/);
    router.stop('shutdown');
  });

  it('moves a worker to a job added later only at the step boundary of the job it leaves', async () => {
    const { router, addJob, join, answerHeld } = setUp();
    const a = addJob('a', 100);
    const w1 = join('w1');
    const w2 = join('w2', false);
    const step0 = a.compute(clusterJob(0));
    await settle();
    addJob('b', 100);
    await settle();
    // w2 (the newest) is to move, but holds a task of step 0: it stays till the step is done.
    expect(w2.closed).toEqual([]);
    expect(router.placement().get('w2')).toBe('a');
    answerHeld();
    await step0;
    expect(w2.closed).toEqual([]);
    w2.answering = true;
    await a.compute(clusterJob(1));
    await settle();
    expect(w2.closed.map((c) => c.reason)).toEqual(['moved']);
    expect(w2.welcomes).toEqual(['a', 'b']);
    expect(w2.tasks.map((t) => t.job)).toEqual(['a']);
    expect(w1.tasks.filter((t) => t.task.step === 1).map((t) => t.job)).toEqual(['a']);
    router.stop('shutdown');
  });

  it('parks a worker no job needs (no Welcome) and welcomes it when a job is added; a closed pool with no job tells it training is over', async () => {
    const { router, addJob, join } = setUp();
    const w1 = join('w1');
    expect(w1.sent).toEqual([]);
    expect(router.placement().get('w1')).toBe('parked');
    addJob('a', 100);
    expect(w1.welcomes).toEqual(['a']);
    router.endJob('a');
    await settle();
    // Moved, joined again, and parked: the pool may get more jobs.
    expect(router.placement().get('w1')).toBe('parked');
    router.close();
    await settle();
    expect(w1.sent.at(-1)).toEqual({ finished: { reason: 'training is over' } });
    expect(w1.closed.at(-1)?.reason).toBe('finished');
    expect(router.placement().size).toBe(0);
  });

  it('places nothing while held: jobs added together share the parked workers from the start, nobody moved twice', async () => {
    const { router, addJob, join, log } = setUp();
    const w1 = join('w1');
    const w2 = join('w2');
    const release = router.hold();
    const releaseToo = router.hold();
    addJob('a', 100);
    const w3 = join('w3');
    addJob('b', 100);
    expect([w1, w2, w3].map((w) => w.welcomes)).toEqual([[], [], []]);
    expect(log.lines.join('\n')).toMatch(/worker parked while jobs are being added .*"worker":"w3"/);
    release();
    release();
    expect(router.placement().get('w1')).toBe('parked');
    releaseToo();
    expect([w1, w2, w3].map((w) => w.welcomes.length)).toEqual([1, 1, 1]);
    expect(new Set([w1, w2, w3].map((w) => w.welcomes[0]))).toEqual(new Set(['a', 'b']));
    await settle();
    expect([w1, w2, w3].flatMap((w) => w.closed)).toEqual([]);
    router.stop('shutdown');
  });

  it('tells every worker training is over when the last job of a closed pool ends', async () => {
    const { router, addJob, join } = setUp();
    addJob('a', 100);
    const w1 = join('w1');
    router.close();
    router.endJob('a');
    await settle();
    expect(w1.sent.at(-1)).toEqual({ finished: { reason: 'training is over' } });
    expect(w1.closed.map((c) => c.reason)).toEqual(['finished']);
    expect(router.placement().size).toBe(0);
  });

  it('counts a moved worker for its destination until it joins again: a joiner meanwhile goes elsewhere, the moved one where it was sent', async () => {
    const { router, addJob, join } = setUp();
    addJob('a', 100);
    addJob('b', 100);
    addJob('c', 100);
    join('w1');
    const w2 = join('w2');
    join('w3');
    expect(router.placement()).toEqual(new Map([['w1', 'a'], ['w2', 'b'], ['w3', 'c']]));
    w2.rejoins = false;
    router.endJob('b');
    await settle();
    expect(router.placement().get('w2')).toBe('-> a');
    const w4 = join('w4');
    expect(w4.welcomes).toEqual(['c']);
    expect(join('w2').welcomes).toEqual(['a']);
    expect(router.placement()).toEqual(new Map([['w1', 'a'], ['w2', 'a'], ['w3', 'c'], ['w4', 'c']]));
    router.stop('shutdown');
  });

  it('forgets a moved worker that does not join again within the transit timeout', async () => {
    const { router, addJob, join, clock, log } = setUp();
    addJob('a', 100);
    addJob('b', 100);
    join('w1');
    const w2 = join('w2');
    w2.rejoins = false;
    router.endJob('b');
    await settle();
    expect(router.placement().get('w2')).toBe('-> a');
    clock.advance(30_000);
    expect(router.placement().has('w2')).toBe(false);
    expect(log.lines.join('\n')).toMatch(/moved worker did not join again .*"worker":"w2"/);
  });

  it('handles a lost worker inside its job, and refills the job it left from the others at their next step boundary', async () => {
    const { router, addJob, join } = setUp();
    const a = addJob('a', 300);
    const b = addJob('b', 100);
    join('w1');
    const w2 = join('w2');
    join('w3');
    expect(router.placement()).toEqual(new Map([['w1', 'a'], ['w2', 'b'], ['w3', 'a']]));
    router.leave('w2', w2.session, 'stream-closed', 'the worker closed its stream');
    expect(b.failures.map((f) => [f.worker, f.reason])).toEqual([['w2', 'stream-closed']]);
    expect(router.placement().has('w2')).toBe(false);
    // b is below its minimum: the newest worker of a moves once a's step is done.
    await a.compute(clusterJob(0));
    await settle();
    expect(router.placement()).toEqual(new Map([['w1', 'a'], ['w3', 'b']]));
    await b.compute(clusterJob(0));
    // The lost worker comes back: a is short now.
    expect(join('w2').welcomes).toEqual(['a']);
    router.stop('shutdown');
  });

  it('gives each Join a session number unique across the jobs', () => {
    const { addJob, join } = setUp();
    addJob('a', 100);
    addJob('b', 100);
    const sessions = ['w1', 'w2', 'w3', 'w4'].map((id) => join(id).session);
    expect(new Set(sessions).size).toBe(4);
  });
});
