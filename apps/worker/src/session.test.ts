/**
 * The session's state machine without gRPC: commands in, and what the
 * coordinator would see out (results, cancels, the session's end).
 */
import { netSpec } from '@kfkd/model';
import { type Command__Output, type Part__Output, type TaskResult, tensorChunks } from '@kfkd/proto';
import { memoryLogger } from '@kfkd/runtime';
import { describe, expect, it } from 'vitest';
import type { TaskInput } from './compute.ts';
import { type CallError, type SessionIdentity, WorkerSession } from './session.ts';

const spec = netSpec('net1');
const PARAMETERS = 5;
const PIXELS = 9216;

interface Harness {
  readonly session: WorkerSession;
  readonly computed: { task: TaskInput; firstPixels: number[] }[];
  readonly reports: { result: TaskResult; gradient: Float32Array | null }[];
  readonly heartbeats: SessionIdentity[];
  readonly log: ReturnType<typeof memoryLogger>;
  cancels: number;
  accepted: number;
  /** Fires the heartbeat timer. */
  beat(): Promise<void>;
  /** What the next heartbeats answer (null: fine). */
  heartbeatAnswers: (CallError | null)[];
  /** What the next reports answer (null: accepted). */
  reportAnswers: (CallError | null)[];
  /** The compute fails with this, if set. */
  computeError: Error | null;
}

function harness(): Harness {
  let tick: (() => void) | null = null;
  const log = memoryLogger();
  const h: Harness = {
    computed: [],
    reports: [],
    heartbeats: [],
    log,
    cancels: 0,
    accepted: 0,
    heartbeatAnswers: [],
    reportAnswers: [],
    computeError: null,
    beat: async () => {
      tick?.();
      await new Promise((r) => setTimeout(r, 0));
    },
    session: null!,
  };
  (h as { session: WorkerSession }).session = new WorkerSession({
    link: {
      report: async (result, gradient) => {
        h.reports.push({ result, gradient });
        return h.reportAnswers.shift() ?? null;
      },
      reportStream: async () => {
        throw new Error('no ring tasks in these tests');
      },
      heartbeat: async (identity) => {
        h.heartbeats.push(identity);
        return h.heartbeatAnswers.shift() ?? null;
      },
      cancel: () => h.cancels++,
    },
    computeFor: (specJson) => {
      const parsed = JSON.parse(specJson) as typeof spec;
      if (!parsed.layers) throw new Error('no layers');
      return {
        spec: parsed,
        compute: (task, shard) => {
          if (h.computeError) throw h.computeError;
          const batch = shard.batch(task.part, task.rows);
          h.computed.push({ task: { ...task, parameters: task.parameters.slice() }, firstPixels: task.rows.map((_, i) => batch.pixels[i * PIXELS]) });
          return { lossSum: 0.5, gradSum: task.part === 'train' ? Float32Array.from({ length: PARAMETERS }, () => 1) : null, count: task.rows.length };
        },
      };
    },
    log,
    onWelcome: () => {},
    onAccepted: () => h.accepted++,
    every: (_ms, t) => {
      tick = t;
      return () => (tick = null);
    },
  });
  return h;
}

const welcome = (generation = 1): Command__Output => ({
  command: 'welcome',
  welcome: { workerId: 'w', session: 7, generation, specJson: JSON.stringify(spec), parameterCount: PARAMETERS, heartbeatIntervalMs: 1000 },
});

/** Rows whose first pixel is `marker + i`, to tell them apart in a batch. */
function shard(part: Part__Output, rows: number[], marker: number, dropRows: number[] = []): Command__Output {
  const pixels = Buffer.alloc(rows.length * PIXELS);
  rows.forEach((_, i) => (pixels[i * PIXELS] = marker + i));
  const targets = Buffer.from(new Float32Array(rows.length * spec.outputs).buffer);
  return { command: 'shard', shard: { generation: 1, part, addRows: rows, pixels, targets, dropRows } };
}

/** A parameter version in chunks of two values. */
const parameters = (version: number, values: number[]): Command__Output[] =>
  tensorChunks(Float32Array.from(values), 8).map((chunk) => ({ command: 'parameters', parameters: { version, offset: chunk.offset, values: Buffer.from(chunk.values) } }));

const task = (taskId: number, version: number, rows: number[], part: Part__Output = 'PART_TRAIN', generation = 1): Command__Output => ({
  command: 'task',
  task: { generation, taskId, part, epoch: 2, step: taskId, parametersVersion: version, rows, positions: rows.map((_, i) => i), flipMask: Buffer.alloc(0), dropoutSeed: 9, ring: null },
});

function feed(h: Harness, ...commands: (Command__Output | Command__Output[])[]): Promise<void> {
  for (const command of commands.flat()) h.session.receive(command);
  return h.session.settled();
}

describe('WorkerSession', () => {
  it('computes a task with the parameters assembled from their chunks and the rows of its shard, and sends its result once', async () => {
    const h = harness();
    await feed(h, welcome(), shard('PART_TRAIN', [3, 4], 10), parameters(1, [1, 2, 3, 4, 5]));
    expect(h.session.state.name).toBe('joined');
    expect(h.session.heldParameters).toBe(1);
    await feed(h, task(1, 1, [4, 3]));
    expect(h.computed).toHaveLength(1);
    expect(h.computed[0].task.part).toBe('train');
    expect([...h.computed[0].task.parameters]).toEqual([1, 2, 3, 4, 5]);
    expect(h.computed[0].firstPixels).toEqual([11, 10]);
    expect(h.reports).toHaveLength(1);
    expect(h.reports[0].result).toEqual({ workerId: 'w', session: 7, generation: 1, taskId: 1, epoch: 2, step: 1, lossSum: 0.5, count: 2 });
    expect([...h.reports[0].gradient!]).toEqual([1, 1, 1, 1, 1]);
    expect(h.accepted).toBe(1);
    expect(h.cancels).toBe(0);
  });

  it('reads PART_VALID as valid and any other part as train, and sends no gradient for validation', async () => {
    const h = harness();
    await feed(h, welcome(), shard('PART_TRAIN', [0], 10), shard('PART_VALID', [0], 50), parameters(1, [0, 0, 0, 0, 0]));
    await feed(h, task(1, 1, [0], 'PART_VALID'), task(2, 1, [0], 'PART_UNSPECIFIED'));
    expect(h.computed.map((c) => [c.task.part, c.firstPixels[0]])).toEqual([
      ['valid', 50],
      ['train', 10],
    ]);
    expect(h.reports.map((r) => r.gradient === null)).toEqual([true, false]);
  });

  it('keeps a parameter version for the tasks after it, and echoes each task its generation (a new generation after a membership change)', async () => {
    const h = harness();
    await feed(h, welcome(1), shard('PART_TRAIN', [0], 10), parameters(1, [1, 1, 1, 1, 1]), task(1, 1, [0]), task(2, 1, [0]));
    await feed(h, parameters(2, [2, 2, 2, 2, 2]), task(3, 2, [0], 'PART_TRAIN', 2));
    expect(h.computed.map((c) => c.task.parameters[4])).toEqual([1, 1, 2]);
    expect(h.reports.map((r) => [r.result.taskId, r.result.generation])).toEqual([
      [1, 1],
      [2, 1],
      [3, 2],
    ]);
    expect(h.session.heldParameters).toBe(2);
  });

  it('applies a shard update: dropped rows are gone, and a task that needs one fails the session', async () => {
    const h = harness();
    await feed(h, welcome(), shard('PART_TRAIN', [0, 1], 10), parameters(1, [0, 0, 0, 0, 0]), shard('PART_TRAIN', [], 0, [0]));
    await feed(h, task(1, 1, [1]), task(2, 1, [0]), task(3, 1, [1]));
    expect(h.computed.map((c) => c.firstPixels)).toEqual([[11]]);
    expect(h.reports).toHaveLength(1);
    expect(h.log.lines.filter((l) => l.startsWith('task failed'))).toEqual(['task failed {"task":2,"error":"task needs train row 0, which is not in this worker\'s shard"}']);
    expect(h.cancels).toBe(1);
    expect(h.session.state.name).toBe('abandoned');
  });

  it('ends as finished when the stream ends after the coordinator said training is over', async () => {
    const h = harness();
    await feed(h, welcome(), { command: 'finished', finished: { reason: 'training is over' } });
    expect(h.session.state.name).toBe('training-over');
    h.session.streamEnded();
    expect(await h.session.ended).toEqual({ kind: 'finished' });
    expect(h.log.lines).toContain('training is over {"reason":"training is over"}');
  });

  it('ends as moved when the stream ends after Moved, and heartbeats no more for the session it left', async () => {
    const h = harness();
    await feed(h, welcome());
    await h.beat();
    expect(h.heartbeats).toHaveLength(1);
    await feed(h, { command: 'moved', moved: { reason: 'the job is over' } });
    expect(h.session.state.name).toBe('moving');
    await h.beat();
    expect(h.heartbeats).toHaveLength(1);
    h.session.streamEnded();
    expect(await h.session.ended).toEqual({ kind: 'moved' });
    expect(h.log.lines).toContain('moved to another job {"reason":"the job is over"}');
  });

  it('reads a stream that ends without the end of training as an error worth retrying', async () => {
    const h = harness();
    await feed(h, welcome());
    h.session.streamEnded();
    expect(await h.session.ended).toEqual({ kind: 'error', error: { code: 'UNAVAILABLE', details: 'stream ended' }, welcomed: true });
  });

  it('gives the session up when a task names parameters it was not sent in full, and computes nothing after', async () => {
    const h = harness();
    await feed(h, welcome(), shard('PART_TRAIN', [0], 10), parameters(1, [1, 2, 3, 4, 5]).slice(0, 2), task(1, 1, [0]), parameters(1, [1, 2, 3, 4, 5]).slice(2), task(2, 1, [0]));
    expect(h.computed).toHaveLength(0);
    expect(h.reports).toHaveLength(0);
    expect(h.cancels).toBe(1);
    expect(h.log.lines.filter((l) => !l.startsWith('joined') && !l.startsWith('first task'))).toEqual(['task without its parameters {"task":1,"version":1,"have":1,"values":4}']);
    h.session.streamFailed({ code: 'CANCELLED', details: 'Cancelled on client' });
    expect(await h.session.ended).toEqual({ kind: 'error', error: { code: 'CANCELLED', details: 'Cancelled on client' }, welcomed: true });
  });

  it('gives the session up on a parameter chunk out of order', async () => {
    const h = harness();
    const chunks = parameters(3, [1, 2, 3, 4, 5]);
    await feed(h, welcome(), chunks[1]);
    expect(h.log.lines).toContain('unusable parameters from the coordinator {"version":3,"problem":"chunk at value 2, expected 0"}');
    expect(h.cancels).toBe(1);
    expect(h.session.heldParameters).toBeNull();
  });

  it('refuses an unusable net before joining, as a session that was never welcomed', async () => {
    const h = harness();
    await feed(h, { ...welcome(), welcome: { ...welcome().welcome!, specJson: '{"name":"x"}' } }, shard('PART_TRAIN', [0], 10));
    expect(h.log.lines).toEqual(['unusable net from the coordinator {"error":"no layers"}']);
    expect(h.cancels).toBe(1);
    h.session.streamFailed({ code: 'CANCELLED', details: 'Cancelled on client' });
    expect(await h.session.ended).toMatchObject({ kind: 'error', welcomed: false });
  });

  it('ignores commands before the welcome', async () => {
    const h = harness();
    await feed(h, shard('PART_TRAIN', [0], 10), parameters(1, [0, 0, 0, 0, 0]), task(1, 1, [0]));
    expect(h.computed).toHaveLength(0);
    expect(h.session.state.name).toBe('awaiting-welcome');
  });

  it('heartbeats with the session it was welcomed to; three failures in a row give the session up, a success starts the count over', async () => {
    const h = harness();
    await feed(h, welcome(4));
    const unreachable = { code: 'DEADLINE_EXCEEDED', details: 'Deadline exceeded' };
    h.heartbeatAnswers.push(unreachable, unreachable, null, unreachable, unreachable);
    for (let i = 0; i < 5; i++) await h.beat();
    expect(h.cancels).toBe(0);
    expect(h.heartbeats[0]).toEqual({ workerId: 'w', session: 7, generation: 4 });
    h.heartbeatAnswers.push(unreachable);
    await h.beat();
    expect(h.cancels).toBe(1);
    expect(h.log.lines).toContain('coordinator unreachable {"details":"Deadline exceeded"}');
    // Heartbeats stop with the session.
    await h.beat();
    expect(h.heartbeats).toHaveLength(6);
  });

  it('gives the session up at once when a heartbeat is refused', async () => {
    const h = harness();
    await feed(h, welcome());
    h.heartbeatAnswers.push({ code: 'FAILED_PRECONDITION', details: 'unknown session' });
    await h.beat();
    expect(h.cancels).toBe(1);
    expect(h.log.lines).toContain('heartbeat refused {"details":"unknown session"}');
  });

  it('logs a refused result and does not count it as accepted', async () => {
    const h = harness();
    h.reportAnswers.push({ code: 'FAILED_PRECONDITION', details: 'stale generation' });
    await feed(h, welcome(), shard('PART_TRAIN', [0], 10), parameters(1, [0, 0, 0, 0, 0]), task(1, 1, [0]));
    expect(h.accepted).toBe(0);
    expect(h.log.lines).toContain('result refused {"task":1,"code":"FAILED_PRECONDITION","details":"stale generation"}');
    expect(h.cancels).toBe(0);
  });

  it('ends as stopped when stop() cancels the stream', async () => {
    const h = harness();
    await feed(h, welcome());
    h.session.stop();
    expect(h.cancels).toBe(1);
    h.session.streamFailed({ code: 'CANCELLED', details: 'Cancelled on client' });
    expect(await h.session.ended).toEqual({ kind: 'stopped' });
    expect(h.session.heldParameters).toBeNull();
  });
});
