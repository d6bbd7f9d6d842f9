/**
 * The pool's tensor traffic, driven through fake worker streams: parameters
 * go to each worker once per version (in chunks, before its task), and
 * gradients arrive chunk by chunk into the job's gradient buffers; a bad
 * chunk is refused and its worker dropped.
 */
import { UpdateMemory } from '@kfkd/model';
import { type Command, TENSOR_CHUNK_BYTES, tensorChunks } from '@kfkd/proto';
import { memoryLogger } from '@kfkd/runtime';
import { describe, expect, it } from 'vitest';
import { type Job, SLOT_COUNT, WorkerPool, type WorkerStream } from './pool.ts';
import { chunksOf, deliverReport } from './testing.ts';

// Two and a bit chunks.
const PARAMETERS = (2 * TENSOR_CHUNK_BYTES) / 4 + 5;
// One row per shard slot, so that every worker holds some.
const ROWS = SLOT_COUNT;
const rows = (count: number) => ({ rows: count, pixels: new Uint8Array(count * 9216), targets: new Float32Array(count * 2) });

/** The gRPC peer each fake worker joined from. */
const peerOf = (id: string): string => `127.0.0.1:${1000 + id.length}`;

/** A fake worker: what it was sent, and its session; `respond` answers its tasks. */
interface FakeWorker {
  readonly sent: Command[];
  session: number;
}

function setUp(ids: string[], respond: (pool: WorkerPool, worker: FakeWorker, id: string, task: NonNullable<Command['task']>) => void) {
  const pool = new WorkerPool({
    data: { columns: ['x', 'y'], train: rows(ROWS), valid: rows(4), sourceRows: ROWS + 4 },
    specJson: '{}',
    parameterCount: PARAMETERS,
    minWorkers: 1,
    stepTimeoutMs: 10_000,
    heartbeatTimeoutMs: 10_000,
    log: memoryLogger(),
  });
  const workers = new Map<string, FakeWorker>();
  for (const id of ids) {
    const worker: FakeWorker = { sent: [], session: 0 };
    workers.set(id, worker);
    const stream: WorkerStream = {
      send: async (command) => {
        worker.sent.push(command);
        if (command.welcome) worker.session = command.welcome.session!;
        if (command.task) setImmediate(() => respond(pool, worker, id, command.task!));
      },
      close: () => undefined,
    };
    pool.join({ id, host: peerOf(id), backend: 'wasm', device: 'cpu' }, stream);
  }
  return { pool, workers };
}

/** The Report header a worker sends for `task`. */
const headerFor = (worker: FakeWorker, id: string, task: NonNullable<Command['task']>) => ({
  workerId: id,
  session: worker.session,
  generation: task.generation!,
  taskId: task.taskId!,
  epoch: task.epoch!,
  step: task.step!,
  lossSum: 1,
  count: task.rows!.length,
});

const job = (step: number, parameters: Float32Array, memory?: UpdateMemory): Job => ({
  part: 'train',
  epoch: 1,
  step,
  parameters,
  items: Array.from({ length: ROWS }, (_, i) => ({ row: i, position: i })),
  flipMask: null,
  dropoutSeed: 1,
  gradients: memory ? { take: () => memory.takeGradient() } : undefined,
});

const parameterChunks = (sent: Command[]) => sent.filter((c) => c.parameters).map((c) => c.parameters!);

describe('WorkerPool tensor traffic', () => {
  it('sends each worker the parameters once per version, in order, before its task; gradients land in the job buffers', async () => {
    const { pool, workers } = setUp(['a', 'b'], (p, w, id, task) => deliverReport(p, headerFor(w, id, task), chunksOf(new Float32Array(PARAMETERS).fill(id === 'a' ? 1 : 2))));
    const memory = new UpdateMemory(PARAMETERS, 4);
    const parameters = memory.parameters.map((_, i) => i);
    const parts = await pool.compute(job(0, parameters, memory));
    for (const w of workers.values()) {
      const chunks = parameterChunks(w.sent);
      expect(chunks.map((c) => c.offset)).toEqual([0, TENSOR_CHUNK_BYTES / 4, TENSOR_CHUNK_BYTES / 2]);
      expect(new Set(chunks.map((c) => c.version)).size).toBe(1);
      const task = w.sent.findIndex((c) => c.task);
      expect(task).toBeGreaterThan(w.sent.findLastIndex((c) => c.parameters));
      expect(w.sent[task].task!.parametersVersion).toBe(chunks[0].version);
      const values = new Float32Array(Buffer.concat(chunks.map((c) => c.values as Buffer)).buffer.slice(0));
      expect(values[PARAMETERS - 1]).toBe(PARAMETERS - 1);
    }
    // In the fixed order, each part in a buffer of the trainer's memory.
    expect(parts.map((p) => p.gradSum![0])).toEqual([1, 2]);
    for (const p of parts) expect(p.gradSum!.buffer).toBe(memory.parameters.buffer);
    // The next job is a new version: sent again.
    await pool.compute(job(1, parameters, memory));
    const versions = parameterChunks(workers.get('a')!.sent).map((c) => c.version);
    expect(new Set(versions).size).toBe(2);
    pool.stop('finished');
  });

  it('refuses a gradient with NaN, out of order or short, and drops its sender; the rows are recomputed by the other worker', async () => {
    for (const [bad, detail] of [
      // In the third chunk: the index reported is the gradient's, not the chunk's.
      [(g: Float32Array) => tensorChunks(g.map((x, i) => (i === PARAMETERS - 2 ? Number.NaN : x))), new RegExp(`gradient value ${PARAMETERS - 2} is NaN`)],
      [(g: Float32Array) => tensorChunks(g.map((x, i) => (i === 7 ? -Infinity : x))), /gradient value 7 is -Infinity/],
      [(g: Float32Array) => tensorChunks(g).reverse(), /chunk at value \d+, expected 0/],
      [(g: Float32Array) => tensorChunks(g).slice(0, 2), /gradient of \d+ values, expected \d+/],
    ] as const) {
      const refusals: string[] = [];
      const { pool, workers } = setUp(['good', 'bad'], (p, w, id, task) => {
        const gradient = new Float32Array(PARAMETERS).fill(1);
        const outcome = deliverReport(p, headerFor(w, id, task), id === 'good' ? chunksOf(gradient) : bad(gradient));
        if (!outcome.ok) refusals.push(outcome.detail);
      });
      const parts = await pool.compute(job(0, new Float32Array(PARAMETERS)));
      expect(refusals).toHaveLength(1);
      expect(refusals[0]).toMatch(detail);
      expect(pool.failures.map((f) => [f.worker, f.reason])).toEqual([['bad', 'invalid-message']]);
      // Every row was computed in the end ('bad's by 'good'), and 'good' was sent the parameters once.
      expect(parts.reduce((n, p) => n + p.count, 0)).toBe(ROWS);
      expect(new Set(parameterChunks(workers.get('good')!.sent).map((c) => c.version)).size).toBe(1);
      expect(parameterChunks(workers.get('good')!.sent)).toHaveLength(3);
      pool.stop('finished');
    }
  });

  it('writes nothing more into a gradient buffer once its task is gone (the buffer may be the next step\'s)', async () => {
    const report: { opened?: ReturnType<WorkerPool['openReport']> } = {};
    const { pool } = setUp(['slow'], (p, w, id, task) => {
      report.opened = p.openReport(headerFor(w, id, task));
    });
    const memory = new UpdateMemory(PARAMETERS, 1);
    const computing = pool.compute(job(0, new Float32Array(PARAMETERS), memory)).catch(() => 'stopped');
    while (!report.opened) await new Promise((r) => setTimeout(r, 5));
    if (!report.opened.ok) throw new Error('refused');
    const receiver = report.opened.receiver;
    const [first, second] = tensorChunks(new Float32Array(PARAMETERS).fill(7));
    expect(receiver.chunk(first.offset, first.values)).toBeNull();
    // The worker is dropped (say, its deadline passed); its stream keeps sending.
    pool.leave('slow', [...pool.currentMembers()][0].session, 'deadline', 'test');
    memory.releaseGradients();
    const reused = memory.takeGradient().fill(0);
    expect(receiver.chunk(second.offset, second.values)).toMatchObject({ ok: false, problem: 'stale' });
    expect(receiver.finish()).toMatchObject({ ok: false, problem: 'stale' });
    expect(reused.every((x) => x === 0)).toBe(true);
    pool.stop('shutdown');
    await computing;
  });

  it("refuses results and heartbeats in a worker's name from another connection, without dropping that worker; its own result is accepted", async () => {
    const impostor: ReturnType<WorkerPool['openReport']>[] = [];
    const { pool, workers } = setUp(['honest'], (p, w, id, task) => {
      // Session numbers count up and Watch shows them: a hostile token holder knows them.
      const forged = p.openReport({ ...headerFor(w, id, task), lossSum: 0 }, '127.0.0.1:6666');
      impostor.push(forged);
      if (forged.ok) forged.receiver.finish();
      expect(p.heartbeat(id, w.session, '127.0.0.1:6666')).toBeNull();
      expect(p.heartbeat(id, w.session, peerOf(id))).not.toBeNull();
      deliverReport(p, headerFor(w, id, task), chunksOf(new Float32Array(PARAMETERS).fill(3)), peerOf(id));
    });
    const parts = await pool.compute(job(0, new Float32Array(PARAMETERS)));
    expect(impostor).toEqual([expect.objectContaining({ ok: false, problem: 'unknown-worker' })]);
    expect(pool.failures).toEqual([]);
    expect(parts.map((p) => [p.lossSum, p.gradSum![0]])).toEqual([[1, 3]]);
    expect(workers.get('honest')!.session).toBe(pool.currentMembers()[0].session);
    pool.stop('finished');
  });

  it('a result refused for the shape of its stream (a second TaskResult) drops its worker and frees its task at once', async () => {
    const refusals: string[] = [];
    const { pool } = setUp(['good', 'bad'], (p, w, id, task) => {
      if (id === 'good') return void deliverReport(p, headerFor(w, id, task), chunksOf(new Float32Array(PARAMETERS).fill(1)));
      const opened = p.openReport(headerFor(w, id, task));
      if (!opened.ok) throw new Error('refused');
      refusals.push(opened.receiver.reject('a second TaskResult in one Report').detail);
    });
    const parts = await pool.compute(job(0, new Float32Array(PARAMETERS)));
    expect(refusals).toEqual(['a second TaskResult in one Report']);
    expect(pool.failures.map((f) => [f.worker, f.reason])).toEqual([['bad', 'invalid-message']]);
    expect(parts.reduce((n, p) => n + p.count, 0)).toBe(ROWS);
    pool.stop('finished');
  });
});
