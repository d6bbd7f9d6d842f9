/**
 * Ring rounds through fake workers that do what kfkd worker does with a
 * RingRole: each keeps the parameters it was given or forwarded, adds its
 * own gradient to the running sum in float32, and the last one reports the
 * ring's sum. The sum equals the star's bit for bit; the coordinator sends
 * the parameters to the first worker only; a ring round that loses a worker
 * is computed again on the star; a late report of a failed round does not
 * cost its worker; a member that is not the last may not report.
 */
import { type Command, type RingHop__Output, TENSOR_CHUNK_BYTES, tensorChunks } from '@kfkd/proto';
import { memoryLogger } from '@kfkd/runtime';
import { describe, expect, it } from 'vitest';
import { type Job, SLOT_COUNT, WorkerPool, type WorkerStream } from './pool.ts';
import { CoordinatorMetrics } from './metrics.ts';
import type { PoolObserver, RingRoundDone } from './pool-events.ts';
import type { Topology } from './ring-plan.ts';
import { FakeClock, deliverReport, settle } from './testing.ts';

const PARAMETERS = TENSOR_CHUNK_BYTES / 4 + 3;
const ROWS = SLOT_COUNT;
const rows = (count: number) => ({ rows: count, pixels: new Uint8Array(count * 9216), targets: new Float32Array(count * 2) });
type Task = NonNullable<Command['task']>;

/** Worker `id`'s gradient for a task: values that round differently depending on the order they are added in. */
function gradientOf(id: string, task: Task): Float32Array {
  const g = new Float32Array(PARAMETERS);
  const base = id.charCodeAt(1) * 0.1 + task.step! * 0.37;
  for (let i = 0; i < g.length; i++) g[i] = Math.fround(base + i * 1e-7) * (i % 2 ? 1e3 : 1e-3);
  return g;
}

interface FakeWorker {
  readonly id: string;
  readonly sent: Command[];
  session: number;
  /** Answers its tasks (false: silent, as a frozen worker). */
  answering: boolean;
}

function setUp(ids: string[], topology: Topology, clock = new FakeClock(), observers: PoolObserver[] = [], hopsOf?: (ring: string[]) => RingHop__Output[]) {
  const log = memoryLogger();
  const pool = new WorkerPool({
    data: { columns: ['x', 'y'], train: rows(ROWS), valid: rows(4), sourceRows: ROWS + 4 },
    specJson: '{}',
    parameterCount: PARAMETERS,
    minWorkers: 1,
    stepTimeoutMs: 10_000,
    heartbeatTimeoutMs: 60_000,
    log,
    clock,
    topology,
    observers,
  });
  const workers = new Map<string, FakeWorker>();
  // What a ring round's members passed on: ring id -> running sum after each position.
  const running = new Map<number, { lossSum: number; count: number; sum: Float32Array; next: number }>();
  const tasksOf = new Map<number, { worker: FakeWorker; task: Task }[]>();
  const outcomes: ReturnType<typeof deliverReport>[] = [];
  const runRing = (ringId: number): void => {
    const members = tasksOf.get(ringId)!;
    const size = members[0].task.ring!.size!;
    if (members.length < size || members.some((m) => !m.worker.answering)) return;
    members.sort((a, b) => a.task.ring!.position! - b.task.ring!.position!);
    let state = running.get(ringId) ?? { lossSum: 0, count: 0, sum: new Float32Array(PARAMETERS), next: 0 };
    // A validation round's running sum has the loss sums and counts only.
    const training = members[0].task.part === 'PART_TRAIN' || members[0].task.part === 1;
    for (const { worker, task } of members) {
      const own = gradientOf(worker.id, task);
      if (training) for (let i = 0; i < own.length; i++) state.sum[i] += own[i];
      state = { ...state, lossSum: state.lossSum + task.rows!.length, count: state.count + task.rows!.length };
    }
    running.set(ringId, state);
    const { worker, task } = members[members.length - 1];
    expect(task.ring!.nextAddress).toBe('');
    const ring = members.map((m) => m.worker.id);
    outcomes.push(deliverReport(pool, { workerId: worker.id, session: worker.session, generation: task.generation!, taskId: task.taskId!, epoch: task.epoch!, step: task.step!, lossSum: state.lossSum, count: state.count }, training ? tensorChunks(state.sum) : [], undefined, hopsOf?.(ring)));
  };
  for (const id of ids) {
    const worker: FakeWorker = { id, sent: [], session: 0, answering: true };
    workers.set(id, worker);
    const stream: WorkerStream = {
      send: async (command) => {
        worker.sent.push(command);
        if (command.welcome) worker.session = command.welcome.session!;
        const task = command.task;
        if (!task) return;
        if (!task.ring) {
          if (worker.answering) {
            const g = gradientOf(id, task);
            setImmediate(() => deliverReport(pool, { workerId: id, session: worker.session, generation: task.generation!, taskId: task.taskId!, epoch: task.epoch!, step: task.step!, lossSum: task.rows!.length, count: task.rows!.length }, task.part === 'PART_TRAIN' || task.part === 1 ? tensorChunks(g) : []));
          }
          return;
        }
        const list = tasksOf.get(task.ring.ringId!) ?? [];
        list.push({ worker, task });
        tasksOf.set(task.ring.ringId!, list);
        setImmediate(() => runRing(task.ring!.ringId!));
      },
      close: () => undefined,
    };
    pool.join({ id, backend: 'wasm', device: 'cpu', peerAddress: `10.0.0.${ids.indexOf(id) + 1}:7000` }, stream);
  }
  return { pool, workers, log, clock, outcomes };
}

const job = (step: number): Job => ({
  part: 'train',
  epoch: 1,
  step,
  parameters: new Float32Array(PARAMETERS).fill(step),
  items: Array.from({ length: 64 }, (_, i) => ({ row: (i * 7 + step) % ROWS, position: i })),
  flipMask: null,
  dropoutSeed: 1,
});

/** The trainer's sum of a round's parts: one by one into a zeroed Float32Array, in their order. */
function summed(parts: readonly { gradSum: Float32Array | null }[]): Float32Array {
  const sum = new Float32Array(PARAMETERS);
  for (const p of parts) for (let i = 0; i < sum.length; i++) sum[i] += p.gradSum![i];
  return sum;
}

describe('ring rounds', () => {
  it("give the star's sum bit for bit, with one parameter vector out of the coordinator, to the first worker", async () => {
    const star = setUp(['w1', 'w2', 'w3'], 'star');
    const ring = setUp(['w1', 'w2', 'w3'], 'ring');
    const starParts = await star.pool.compute(job(0));
    const ringParts = await ring.pool.compute(job(0));
    expect(starParts).toHaveLength(3);
    expect(ringParts).toHaveLength(1);
    expect(ringParts[0].count).toBe(64);
    expect(ringParts[0].firstPosition).toBe(0);
    expect(Buffer.from(ringParts[0].gradSum!.buffer).equals(Buffer.from(summed(starParts).buffer))).toBe(true);
    // The order of the ring is the star's order of parts.
    const order = [...ring.workers.values()].map((w) => ({ id: w.id, role: w.sent.find((c) => c.task)!.task!.ring! })).sort((a, b) => a.role.position! - b.role.position!);
    const starOrder = [...star.workers.values()].map((w) => ({ id: w.id, first: Math.min(...w.sent.find((c) => c.task)!.task!.positions!) })).sort((a, b) => a.first - b.first);
    expect(order.map((o) => o.id)).toEqual(starOrder.map((o) => o.id));
    expect(order.map((o) => o.role.nextWorker)).toEqual([order[1].id, order[2].id, '']);
    const chunksTo = (w: FakeWorker) => w.sent.filter((c) => c.parameters).length;
    expect(chunksTo(ring.workers.get(order[0].id)!)).toBe(2);
    expect(chunksTo(ring.workers.get(order[1].id)!) + chunksTo(ring.workers.get(order[2].id)!)).toBe(0);
    // Tasks go out before the parameters (a worker must know where to forward them).
    const first = ring.workers.get(order[0].id)!.sent.filter((c) => c.task || c.parameters);
    expect(first[0].task).toBeDefined();
    expect(ring.log.lines.join('\n')).toMatch(/step topology \{"topology":"ring","workers":3,"order":/);
  });

  it('take validation rounds too: the parameters to the first worker only, the loss sums of the star, no gradient, no hop series', async () => {
    const rounds: RingRoundDone[] = [];
    const metrics = new CoordinatorMetrics();
    const star = setUp(['w1', 'w2', 'w3'], 'star');
    const ring = setUp(['w1', 'w2', 'w3'], 'ring', new FakeClock(), [{ ringRoundDone: (r) => rounds.push(r) }, metrics]);
    const validation: Job = { ...job(0), part: 'valid', items: Array.from({ length: 4 }, (_, i) => ({ row: i, position: i })) };
    const starParts = await star.pool.compute(validation);
    const [ringPart] = await ring.pool.compute(validation);
    expect(starParts.reduce((n, p) => n + p.lossSum, 0)).toBe(4);
    expect(ringPart).toMatchObject({ firstPosition: 0, count: 4, lossSum: 4, gradSum: null });
    const sentParameters = [...ring.workers.values()].map((w) => w.sent.filter((c) => c.parameters).length).filter((n) => n > 0);
    // One vector (two chunks), to one worker.
    expect(sentParameters).toEqual([2]);
    expect([...ring.workers.values()].flatMap((w) => w.sent.filter((c) => c.task).map((c) => c.task!.part))).toEqual(['PART_VALID', 'PART_VALID', 'PART_VALID']);
    expect(rounds.map((r) => r.part)).toEqual(['valid']);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/kfkd_ring_rounds_total\{outcome="summed"\} 1/);
    expect(text).not.toMatch(/kfkd_ring_hop_bytes_total\{/);
  });

  it('a ring round that loses a worker is computed again on the star, by the others', async () => {
    const { pool, workers, log } = setUp(['w1', 'w2', 'w3'], 'ring');
    workers.get('w2')!.answering = false;
    const step = pool.compute(job(1));
    await settle();
    pool.leave('w2', workers.get('w2')!.session, 'stream-closed', 'killed');
    const parts = await step;
    expect(parts.reduce((n, p) => n + p.count, 0)).toBe(64);
    expect(parts).toHaveLength(2);
    expect(log.lines.join('\n')).toMatch(/recomputing rows of lost workers \{"part":"train","epoch":1,"step":1,"rows":64\}/);
    // The star round sent the parameters to each worker again: what it held after the failed ring was unknown.
    for (const id of ['w1', 'w3']) expect(workers.get(id)!.sent.filter((c) => c.parameters).length).toBeGreaterThanOrEqual(2);
  });

  it('a ring round without a sum by the step timeout is computed again on the star; its late report costs nobody', async () => {
    const clock = new FakeClock();
    const { pool, workers, log } = setUp(['w1', 'w2', 'w3'], 'ring', clock);
    for (const w of workers.values()) w.answering = false;
    const step = pool.compute(job(2));
    await settle();
    const ringTasks = [...workers.values()].map((w) => ({ w, task: w.sent.find((c) => c.task?.ring)!.task! }));
    for (const w of workers.values()) w.answering = true;
    clock.advance(10_000);
    const parts = await step;
    expect(parts.reduce((n, p) => n + p.count, 0)).toBe(64);
    expect(log.lines.join('\n')).toMatch(/ring round timed out: its rows are computed again on the star/);
    const last = ringTasks.find((t) => t.task.ring!.nextAddress === '')!;
    const late = deliverReport(pool, { workerId: last.w.id, session: last.w.session, generation: last.task.generation!, taskId: last.task.taskId!, epoch: 1, step: 2, lossSum: 64, count: 64 }, []);
    expect(late).toMatchObject({ ok: false, problem: 'stale' });
    expect(pool.currentMembers().map((m) => m.id).sort()).toEqual(['w1', 'w2', 'w3']);
    // No culprit was found (a peer link may be down): star steps until the workers change.
    const ringTasksBefore = [...workers.values()].flatMap((w) => w.sent.filter((c) => c.task?.ring)).length;
    await pool.compute(job(3));
    expect([...workers.values()].flatMap((w) => w.sent.filter((c) => c.task?.ring)).length).toBe(ringTasksBefore);
    expect(log.lines.join('\n')).toMatch(/step topology \{"topology":"star","workers":3,"why":"a ring round timed out in generation \d+: star steps until the workers change"\}/);
    pool.leave('w3', workers.get('w3')!.session, 'stream-closed', 'gone');
    await pool.compute(job(4));
    expect([...workers.values()].flatMap((w) => w.sent.filter((c) => c.task?.ring)).length).toBe(ringTasksBefore + 2);
  });

  it('refuses a report from a ring member that is not the last, and drops it', async () => {
    const { pool, workers } = setUp(['w1', 'w2'], 'ring');
    for (const w of workers.values()) w.answering = false;
    void pool.compute(job(3)).catch(() => undefined);
    await settle();
    const first = [...workers.values()].map((w) => ({ w, task: w.sent.find((c) => c.task?.ring)!.task! })).find((t) => t.task.ring!.position === 0)!;
    const outcome = deliverReport(pool, { workerId: first.w.id, session: first.w.session, generation: first.task.generation!, taskId: first.task.taskId!, epoch: 1, step: 3, lossSum: 1, count: first.task.rows!.length }, []);
    expect(outcome).toMatchObject({ ok: false, problem: 'invalid' });
    expect(pool.currentMembers().map((m) => m.id)).not.toContain(first.w.id);
    pool.stop('shutdown');
  });

  it('tells its observers each hop of the running sum (the last one, into the coordinator, timed by it), and counts rounds and hops in the metrics', async () => {
    const rounds: RingRoundDone[] = [];
    const metrics = new CoordinatorMetrics();
    const hopsOf = (ring: string[]): RingHop__Output[] => ring.slice(1).map((to, i) => ({ fromWorker: ring[i], toWorker: to, bytes: String(PARAMETERS * 4), seconds: 0.25 * (i + 1) }));
    const { pool, outcomes } = setUp(['w1', 'w2', 'w3'], 'ring', new FakeClock(), [{ ringRoundDone: (r) => rounds.push(r) }, metrics], hopsOf);
    await pool.compute(job(4));
    expect(outcomes).toEqual([{ ok: true }]);
    expect(rounds).toHaveLength(1);
    const [round] = rounds;
    expect(round.hops.map((h) => [h.from, h.to])).toEqual([[round.workers[0], round.workers[1]], [round.workers[1], round.workers[2]], [round.workers[2], '']]);
    expect(round.hops.slice(0, 2).map((h) => h.seconds)).toEqual([0.25, 0.5]);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/kfkd_ring_rounds_total\{outcome="summed"\} 1/);
    expect(text).toMatch(new RegExp(`kfkd_ring_hop_bytes_total\\{from="${round.workers[2]}",to="coordinator"\\} ${PARAMETERS * 4}`));
    expect(text).toMatch(new RegExp(`kfkd_ring_hop_seconds_total\\{from="${round.workers[0]}",to="${round.workers[1]}"\\} 0.25`));
    // A worker that leaves takes its hops' series with it.
    pool.leave(round.workers[1], pool.currentMembers().find((m) => m.id === round.workers[1])!.session, 'stream-closed', 'gone');
    expect(await metrics.registry.metrics()).not.toMatch(new RegExp(`kfkd_ring_hop_bytes_total\\{from="${round.workers[0]}"`));
  });

  it('refuses hops that are not the ring\'s, and drops the worker that sent them', async () => {
    const liar = (ring: string[]): RingHop__Output[] => ring.slice(1).map((to, i) => ({ fromWorker: ring[i], toWorker: i === 0 ? 'somebody' : to, bytes: '1', seconds: 0.1 }));
    const { pool, outcomes } = setUp(['w1', 'w2', 'w3'], 'ring', new FakeClock(), [], liar);
    const step = pool.compute(job(5));
    await settle();
    expect(outcomes[0]).toMatchObject({ ok: false, problem: 'invalid', detail: expect.stringMatching(/^ring hops: hop 0 is /) });
    // The round failed with its last worker; the step is finished on the star by the two others.
    expect((await step).reduce((n, p) => n + p.count, 0)).toBe(64);
    expect(pool.currentMembers()).toHaveLength(2);
  });
});
