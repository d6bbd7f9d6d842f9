/**
 * Ring rounds through WorkerSessions joined by in-memory Pass streams (no
 * gRPC; peer.test.ts has the real service): the order things arrive in,
 * parameters and sums before the task, the float32 sum against a sequential
 * Float32Array sum bit for bit, pipelining with backpressure, and the
 * round dropped on another ring round, a broken upstream or a refusing next
 * worker.
 */
import { PassThrough } from 'node:stream';
import { netSpec } from '@kfkd/model';
import { type Command__Output, type PeerPart, type PeerPart__Output, type RingHop, type RingHop__Output, type RingRole__Output, type TaskResult, TENSOR_CHUNK_BYTES, type WirePart, tensorChunks } from '@kfkd/proto';
import { memoryLogger } from '@kfkd/runtime';
import { describe, expect, it } from 'vitest';
import { firstDifference, orderSensitiveValues, sequentialSum } from './testing/float-sums.ts';
import { type IncomingSum, type PeerPassStream, addIntoRunningSum } from './ring-round.ts';
import { WorkerMetrics } from './metrics.ts';
import { type CallError, WorkerSession } from './session.ts';

const spec = netSpec('net1');
const PER_CHUNK = TENSOR_CHUNK_BYTES / 4;
/** Six and a bit chunks. */
const P = 6 * PER_CHUNK + 1000;

const gradient = (seed: number): Float32Array => orderSensitiveValues(seed, P);

/** An in-memory Pass stream: what one end writes the other reads, a few parts in flight at most. */
function memoryPass(): { outgoing: PeerPassStream; parts: AsyncIterator<PeerPart__Output>; answer: (error: CallError | null) => void; written: PeerPart[] } {
  const pipe = new PassThrough({ objectMode: true, highWaterMark: 2 });
  let settle!: (error: CallError | null) => void;
  const done = new Promise<CallError | null>((resolve) => (settle = resolve));
  const written: PeerPart[] = [];
  const outgoing: PeerPassStream = {
    get destroyed() {
      return pipe.destroyed;
    },
    write: (part) => {
      written.push(part);
      return pipe.write(part);
    },
    on: (event, listener) => pipe.on(event, listener),
    off: (event, listener) => pipe.off(event, listener),
    end: () => pipe.end(),
    cancel: () => {
      pipe.destroy();
      settle({ code: 'CANCELLED', details: 'cancelled by the caller' });
    },
    done,
  };
  return { outgoing, parts: pipe[Symbol.asyncIterator]() as AsyncIterator<PeerPart__Output>, answer: (error) => settle(error), written };
}

/** Worker 'a' opening a Pass stream to `session` for ring round `ringId` of generation 1: its hello, then `parts`; the stream stays open. */
function passFromA(session: WorkerSession, ringId: number, ...parts: PeerPart[]): ReturnType<typeof memoryPass> {
  const pass = memoryPass();
  void serveInMemory(session, pass.parts, pass.answer);
  pass.outgoing.write({ hello: { workerId: 'a', generation: 1, ringId } });
  for (const part of parts) pass.outgoing.write(part);
  return pass;
}

/** Position 0's running sum (epoch 3, step 4, as ringTask's) of `count` rows. */
const runningSum = (count: number): PeerPart => ({ sum: { position: 0, epoch: 3, step: 4, lossSum: 1, count } });

/** What peer-service.ts does with a Pass stream, in memory: parameters into the session, a running sum to its round. */
function serveInMemory(session: WorkerSession, parts: AsyncIterator<PeerPart__Output>, answer: (error: CallError | null) => void): Promise<void> {
  // A stream the caller cancels breaks off here as it does in grpc-js: nobody reads the answer.
  return takeInMemory(session, parts, answer).catch((error: Error) => answer({ code: 'CANCELLED', details: error.message }));
}

async function takeInMemory(session: WorkerSession, parts: AsyncIterator<PeerPart__Output>, answer: (error: CallError | null) => void): Promise<void> {
  const hello = (await parts.next()).value.hello!;
  const second = await parts.next();
  if (second.done) return answer(null);
  // Written parts lack the `part` grpc-js adds on receipt.
  if (second.value.sum) {
    let hops: readonly RingHop__Output[] = [];
    const incoming: IncomingSum = {
      hello,
      sum: second.value.sum!,
      chunks: {
        next: async () => {
          const next = await parts.next();
          if (next.done) return { done: true, value: undefined };
          if (next.value.hops) {
            hops = next.value.hops.hops;
            return { done: true, value: undefined };
          }
          return { done: false, value: next.value.gradient! };
        },
      },
      hops: () => hops,
      finish: answer,
    };
    return session.peerSum(incoming);
  }
  const source = { transfer: null, fromPeer: true };
  try {
    for (let part: IteratorResult<PeerPart__Output> = second; !part.done; part = await parts.next()) {
      const outcome = session.peerParameters(source, part.value.parameters!);
      if (outcome?.kind !== 'stored') return answer({ code: 'INVALID_ARGUMENT', details: JSON.stringify(outcome) });
    }
  } catch (error) {
    session.peerParametersBroke(source, (error as Error).message);
    throw error;
  }
  answer(null);
}

interface RingWorker {
  readonly id: string;
  readonly address: string;
  readonly session: WorkerSession;
  readonly log: ReturnType<typeof memoryLogger>;
  readonly gradient: Float32Array;
  readonly lossSum: number;
  readonly count: number;
  /** Parameters each compute ran at. */
  readonly computedAt: Float32Array[];
  readonly reports: { result: TaskResult; gradient: Float32Array; chunks: number; hops: readonly RingHop[] }[];
  readonly metrics: WorkerMetrics;
  /** Star results, sent whole. */
  readonly starReports: TaskResult[];
  /** The Pass streams it opened, by address. */
  readonly dials: { address: string; pass: ReturnType<typeof memoryPass> }[];
  cancels: number;
  /** The coordinator's answer to a ring report waits for this (null: answers at once). */
  answerGate: Promise<void> | null;
}

/** Workers whose dial reaches each other's sessions by address (`peer-<id>:1`), or `probes` for addresses of no worker. */
class MemoryRing {
  readonly workers = new Map<string, RingWorker>();
  /** Streams to addresses of no worker, for the test to read. */
  readonly probes: { address: string; pass: ReturnType<typeof memoryPass> }[] = [];

  add(id: string, seed: number, count: number): RingWorker {
    const log = memoryLogger();
    const metrics = new WorkerMetrics({ id, backend: 'wasm', device: 'cpu' });
    const worker: RingWorker = { id, address: `peer-${id}:1`, log, gradient: gradient(seed), lossSum: seed + 0.25, count, computedAt: [], reports: [], starReports: [], dials: [], cancels: 0, answerGate: null, session: null!, metrics };
    (worker as { session: WorkerSession }).session = new WorkerSession({
      link: {
        report: async (result) => {
          worker.starReports.push(result);
          return null;
        },
        reportStream: async (result, chunks, hops) => {
          const summed = new Float32Array(P);
          let count = 0;
          for await (const chunk of chunks) {
            new Uint8Array(summed.buffer, chunk.offset * 4, chunk.values.byteLength).set(chunk.values);
            count++;
          }
          worker.reports.push({ result, gradient: summed, chunks: count, hops: hops?.() ?? [] });
          await worker.answerGate;
          return null;
        },
        heartbeat: async () => null,
        cancel: () => worker.cancels++,
      },
      dial: (address) => {
        const pass = memoryPass();
        const target = [...this.workers.values()].find((w) => w.address === address);
        if (target) void serveInMemory(target.session, pass.parts, pass.answer);
        else this.probes.push({ address, pass });
        worker.dials.push({ address, pass });
        return pass.outgoing;
      },
      computeFor: () => ({
        spec,
        compute: (task) => {
          worker.computedAt.push(task.parameters.slice());
          return { lossSum: worker.lossSum, gradSum: task.part === 'train' ? worker.gradient : null, count: worker.count };
        },
      }),
      log,
      metrics,
      onWelcome: () => {},
      onAccepted: () => {},
      every: () => () => {},
    });
    worker.session.receive({ command: 'welcome', welcome: { workerId: id, session: 1, generation: 1, specJson: JSON.stringify(spec), parameterCount: P, heartbeatIntervalMs: 1000 } });
    this.workers.set(id, worker);
    return worker;
  }

  /** The ring tasks of round `ringId` for `order`, task ids 10, 11, ... */
  tasks(ringId: number, order: RingWorker[], version: number, generation = 1, part: WirePart = 'PART_TRAIN'): Map<RingWorker, Command__Output> {
    const totalCount = order.reduce((sum, w) => sum + w.count, 0);
    return new Map(
      order.map((worker, position) => {
        const next = order[position + 1];
        const ring: RingRole__Output = { ringId, position, size: order.length, nextWorker: next?.id ?? '', nextAddress: next?.address ?? '', totalCount };
        return [worker, ringTask(10 + position, version, ring, generation, part)];
      }),
    );
  }
}

const ringTask = (taskId: number, version: number, ring: RingRole__Output | null, generation = 1, part: WirePart = 'PART_TRAIN'): Command__Output => ({
  command: 'task',
  task: { generation, taskId, part, epoch: 3, step: 4, parametersVersion: version, rows: [], positions: [], flipMask: Buffer.alloc(0), dropoutSeed: 1, ring },
});

const PARAMETERS = Float32Array.from({ length: P }, (_, i) => i / 7);

const parameterCommands = (version: number): Command__Output[] =>
  tensorChunks(PARAMETERS).map((chunk) => ({ command: 'parameters', parameters: { version, offset: chunk.offset, values: Buffer.from(chunk.values) } }));

/** Resolves once `check` holds, polling the event loop. */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('addIntoRunningSum', () => {
  it('rounds after every add, as a Float32Array running sum does', () => {
    const running = Float32Array.of(1, 2 ** 24, 0.1);
    addIntoRunningSum(running, Float32Array.of(9, 9, 9, 2 ** -30, 1, 0.2), 3);
    // 1 + 2^-30 rounds back to 1; 2^24 + 1 rounds to 2^24 in float32 (not in float64).
    expect([...running]).toEqual([1, 2 ** 24, Math.fround(Math.fround(0.1) + Math.fround(0.2))]);
  });
});

describe('a ring round', { timeout: 30_000 }, () => {
  it('sums a ring of three bit for bit as the star does, and the last worker reports it as its own task with the ring\'s count', async () => {
    const ring = new MemoryRing();
    const order = [ring.add('a', 1, 3), ring.add('b', 2, 4), ring.add('c', 3, 5)];
    const tasks = ring.tasks(5, order, 7);
    // As the coordinator orders them: every task first, then the parameters to the first worker only.
    for (const [worker, task] of tasks) worker.session.receive(task);
    for (const command of parameterCommands(7)) order[0].session.receive(command);
    const last = order[2];
    await until(() => last.reports.length === 1, 'the report');

    const expected = sequentialSum(order.map((w) => w.gradient));
    expect(firstDifference(last.reports[0].gradient, expected)).toBe(-1);
    // The data makes the order matter: a float64 sum rounded once differs.
    const once = Float32Array.from(expected, (_, i) => order[0].gradient[i] + order[1].gradient[i] + order[2].gradient[i]);
    expect(firstDifference(once, expected)).not.toBe(-1);
    expect(last.reports[0].result).toEqual({ workerId: 'c', session: 1, generation: 1, taskId: 12, epoch: 3, step: 4, lossSum: 1.25 + 2.25 + 3.25, count: 12 });
    for (const worker of order) {
      expect(worker.computedAt).toHaveLength(1);
      expect(firstDifference(worker.computedAt[0], PARAMETERS)).toBe(-1);
    }
    expect(order.map((w) => w.dials.map((d) => d.address))).toEqual([['peer-b:1', 'peer-b:1'], ['peer-c:1', 'peer-c:1'], []]);
    expect(order[0].dials[1].pass.written[1]).toEqual({ sum: { position: 0, epoch: 3, step: 4, lossSum: 1.25, count: 3 } });
    expect(order[1].dials[0].pass.written[0]).toEqual({ hello: { workerId: 'b', generation: 1, ringId: 5 } });
    for (const worker of order) expect(worker.log.lines.filter((l) => l.includes('dropped'))).toEqual([]);
    // The hops of the running sum, each timed by its receiver, go with the report.
    expect(last.reports[0].hops.map((h) => [h.fromWorker, h.toWorker, Number(h.bytes)])).toEqual([
      ['a', 'b', P * 4],
      ['b', 'c', P * 4],
    ]);
    for (let i = 0; i < 200 && !(await ringOutcomes(order[1])).includes('outcome="passed"} 1'); i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await ringOutcomes(order[0])).toMatch(/outcome="passed"\} 1/);
    expect(await ringOutcomes(order[1])).toMatch(/outcome="passed"\} 1/);
    expect(await ringOutcomes(last)).toMatch(/outcome="reported"\} 1/);
    expect(await ringOutcomes(last)).toMatch(/outcome="dropped"\} 0/);
  });

  it('takes a validation round the same way without a gradient: the parameters forwarded, the loss sums passed on and reported with no chunks', async () => {
    const ring = new MemoryRing();
    const order = [ring.add('a', 1, 3), ring.add('b', 2, 4), ring.add('c', 3, 5)];
    for (const [worker, task] of ring.tasks(6, order, 8, 1, 'PART_VALID')) worker.session.receive(task);
    for (const command of parameterCommands(8)) order[0].session.receive(command);
    const last = order[2];
    await until(() => last.reports.length === 1, 'the report');
    expect(last.reports[0].result).toEqual({ workerId: 'c', session: 1, generation: 1, taskId: 12, epoch: 3, step: 4, lossSum: 1.25 + 2.25 + 3.25, count: 12 });
    expect(last.reports[0].chunks).toBe(0);
    for (const worker of order) expect(firstDifference(worker.computedAt[0], PARAMETERS)).toBe(-1);
    // a's second stream is the running sum: its hello, the sums, and the (empty) hops that end it.
    expect(order[0].dials[1].pass.written.map((part) => Object.keys(part)[0])).toEqual(['hello', 'sum', 'hops']);
    for (const worker of order) expect(worker.log.lines.filter((l) => l.includes('dropped'))).toEqual([]);
    for (const worker of order) expect(worker.starReports).toEqual([]);
  });

  it("ends a round that has sent everything with its answer when the next round's tasks come first (the coordinator took the sum and moved on)", async () => {
    const ring = new MemoryRing();
    const order = [ring.add('a', 1, 3), ring.add('b', 2, 4), ring.add('c', 3, 5)];
    let answer!: () => void;
    order[2].answerGate = new Promise((resolve) => (answer = resolve));
    for (const [worker, task] of ring.tasks(5, order, 7)) worker.session.receive(task);
    for (const command of parameterCommands(7)) order[0].session.receive(command);
    await until(() => order[2].reports.length === 1, 'the report');
    // The next step's tasks reach every worker before the answer to the report does.
    for (const [worker, task] of ring.tasks(6, order, 8)) worker.session.receive(task);
    answer();
    for (const command of parameterCommands(8)) order[0].session.receive(command);
    await until(() => order[2].reports.length === 2, 'the second report');
    for (let i = 0; i < 200 && !(await ringOutcomes(order[0])).includes('outcome="passed"} 2'); i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await ringOutcomes(order[0])).toMatch(/outcome="passed"\} 2/);
    expect(await ringOutcomes(order[1])).toMatch(/outcome="passed"\} 2/);
    expect(await ringOutcomes(order[2])).toMatch(/outcome="reported"\} 2/);
    for (const worker of order) {
      expect(await ringOutcomes(worker)).toMatch(/outcome="dropped"\} 0/);
      expect(worker.log.lines.filter((l) => l.includes('dropped'))).toEqual([]);
    }
  });

  it('keeps parameters and a running sum that come before its task, and forwards them once the task names the next worker', async () => {
    const ring = new MemoryRing();
    const order = [ring.add('a', 4, 1), ring.add('b', 5, 1), ring.add('c', 6, 1)];
    const tasks = ring.tasks(9, order, 2);
    order[0].session.receive(tasks.get(order[0])!);
    order[2].session.receive(tasks.get(order[2])!);
    for (const command of parameterCommands(2)) order[0].session.receive(command);
    // b has all of a's parameters and its running sum, but no task yet.
    await until(() => order[1].session.heldParameters === 2 && order[0].dials.length === 2 && order[0].dials[1].pass.written.length > 3, "a's sum");
    expect(order[1].dials).toEqual([]);
    expect(order[1].computedAt).toEqual([]);
    order[1].session.receive(tasks.get(order[1])!);
    await until(() => order[2].reports.length === 1, 'the report');
    expect(firstDifference(order[2].reports[0].gradient, sequentialSum(order.map((w) => w.gradient)))).toBe(-1);
    expect(firstDifference(order[2].computedAt[0], PARAMETERS)).toBe(-1);
  });

  it('forwards only what it is sent: a worker that holds the version computes at once and opens no parameter stream', async () => {
    const ring = new MemoryRing();
    const order = [ring.add('a', 7, 1), ring.add('b', 8, 1)];
    for (const worker of order) for (const command of parameterCommands(3)) worker.session.receive(command);
    for (const [worker, task] of ring.tasks(1, order, 3)) worker.session.receive(task);
    await until(() => order[1].reports.length === 1, 'the report');
    // a's only stream carries the running sum.
    expect(order[0].dials).toHaveLength(1);
    expect(order[0].dials[0].pass.written[1].sum).toBeDefined();
  });

  it('computes only once the parameters it forwards have left for the next worker', async () => {
    const ring = new MemoryRing();
    const a = ring.add('a', 17, 1);
    a.session.receive(ringTask(10, 4, { ringId: 2, position: 0, size: 2, nextWorker: 'b', nextAddress: 'probe:1', totalCount: 2 }));
    for (const command of parameterCommands(4)) a.session.receive(command);
    await until(() => a.session.heldParameters === 4 && ring.probes.length >= 1, 'the parameters');
    await new Promise((resolve) => setTimeout(resolve, 20));
    // The probe has not read: most chunks are still to leave, and a waits.
    expect(a.computedAt).toEqual([]);
    const probe = ring.probes[0].pass;
    const received = new Float32Array(P);
    for (let part = await probe.parts.next(); !part.done; part = await probe.parts.next()) {
      const chunk = part.value.parameters;
      if (chunk) new Uint8Array(received.buffer, chunk.offset * 4, chunk.values.byteLength).set(chunk.values);
    }
    probe.answer(null);
    await until(() => a.computedAt.length === 1, 'the compute');
    expect(firstDifference(received, PARAMETERS)).toBe(-1);
  });

  it('passes each summed chunk on before its upstream has sent the next, and reads no further ahead than the next worker takes', async () => {
    const ring = new MemoryRing();
    const b = ring.add('b', 9, 2);
    for (const command of parameterCommands(1)) b.session.receive(command);
    b.session.receive(ringTask(11, 1, { ringId: 3, position: 1, size: 3, nextWorker: 'c', nextAddress: 'probe:1', totalCount: 6 }));
    const own0 = gradient(10);
    const upstreamChunks = tensorChunks(own0);
    const upstream = passFromA(b.session, 3, runningSum(2), { gradient: upstreamChunks[0] });
    await until(() => ring.probes.length === 1 && ring.probes[0].pass.written.length === 3, 'the first summed chunk');
    const probe = ring.probes[0].pass;
    expect(probe.written[1]).toEqual({ sum: { position: 1, epoch: 3, step: 4, lossSum: 1 + 9.25, count: 4 } });
    const first = own0.slice(0, PER_CHUNK);
    addIntoRunningSum(first, b.gradient, 0);
    expect(firstDifference(new Float32Array(Uint8Array.from(probe.written[2].gradient!.values as Buffer).buffer), first)).toBe(-1);

    // The probe reads nothing: b stops taking chunks once its stream to the probe is full.
    let offered = 1;
    while (offered < upstreamChunks.length && upstream.outgoing.write({ gradient: upstreamChunks[offered++] }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(probe.written.length - 2).toBeLessThan(upstreamChunks.length - 1);
    expect(offered).toBeLessThan(upstreamChunks.length);

    // Reading on lets everything through, each chunk summed.
    const received: Float32Array = new Float32Array(P);
    const reading = (async () => {
      for (let part = await probe.parts.next(); !part.done; part = await probe.parts.next()) {
        if (part.value.gradient) new Uint8Array(received.buffer, part.value.gradient.offset * 4).set(part.value.gradient.values);
      }
    })();
    for (; offered < upstreamChunks.length; offered++) await writeWhenReady(upstream.outgoing, { gradient: upstreamChunks[offered] });
    upstream.outgoing.end();
    await reading;
    probe.answer(null);
    expect(firstDifference(received, sequentialSum([own0, b.gradient]))).toBe(-1);
    expect(await upstream.outgoing.done).toBeNull();
  });

  it('drops the round when a task of another ring round comes: its streams cancelled, its upstream refused, nothing reported', async () => {
    const ring = new MemoryRing();
    const b = ring.add('b', 11, 1);
    for (const command of parameterCommands(1)) b.session.receive(command);
    b.session.receive(ringTask(11, 1, { ringId: 3, position: 1, size: 3, nextWorker: 'c', nextAddress: 'probe:1', totalCount: 3 }));
    const upstream = passFromA(b.session, 3, runningSum(1), { gradient: tensorChunks(gradient(12))[0] });
    await until(() => ring.probes.length === 1 && ring.probes[0].pass.written.length === 3, 'the first summed chunk');
    b.session.receive(ringTask(21, 1, { ringId: 4, position: 1, size: 2, nextWorker: '', nextAddress: '', totalCount: 2 }));
    expect(await upstream.outgoing.done).toEqual({ code: 'ABORTED', details: 'ring round dropped: a task of ring round 4 (generation 1) came' });
    expect(await ring.probes[0].pass.outgoing.done).toEqual({ code: 'CANCELLED', details: 'cancelled by the caller' });
    expect(b.log.lines).toContain('ring round dropped {"ring":3,"generation":1,"task":11,"why":"a task of ring round 4 (generation 1) came"}');
    expect(b.reports).toEqual([]);
    expect(await ringOutcomes(b)).toMatch(/outcome="dropped"\} 1/);
    // The new round goes on: its running sum is taken.
    const next = memoryPass();
    void serveInMemory(b.session, next.parts, next.answer);
    await writeAll(next.outgoing, [{ hello: { workerId: 'a', generation: 1, ringId: 4 } }, { sum: { position: 0, epoch: 3, step: 4, lossSum: 1, count: 1 } }, ...tensorChunks(gradient(12)).map((gradient) => ({ gradient }))]);
    next.outgoing.end();
    await until(() => b.reports.length === 1, 'the new round\'s report');
    expect(b.reports[0].result.taskId).toBe(21);
    expect(firstDifference(b.reports[0].gradient, sequentialSum([gradient(12), b.gradient]))).toBe(-1);
  });

  it('drops the round when a star task comes, and computes and reports the star task as before', async () => {
    const ring = new MemoryRing();
    const b = ring.add('b', 19, 1);
    for (const command of parameterCommands(1)) b.session.receive(command);
    b.session.receive(ringTask(11, 1, { ringId: 3, position: 1, size: 2, nextWorker: '', nextAddress: '', totalCount: 2 }));
    b.session.receive(ringTask(12, 1, null));
    await b.session.settled();
    expect(b.log.lines).toContain('ring round dropped {"ring":3,"generation":1,"task":11,"why":"a star task came"}');
    expect(b.starReports.map((r) => [r.taskId, r.count])).toEqual([[12, 1]]);
    expect(b.reports).toEqual([]);
  });

  it('refuses a running sum kept for a round whose task never comes', async () => {
    const ring = new MemoryRing();
    const b = ring.add('b', 13, 1);
    for (const command of parameterCommands(1)) b.session.receive(command);
    const early = passFromA(b.session, 7, runningSum(1));
    // Taken (kept for its task) before the task of another round comes.
    await new Promise((resolve) => setTimeout(resolve, 10));
    b.session.receive(ringTask(11, 1, { ringId: 8, position: 1, size: 2, nextWorker: '', nextAddress: '', totalCount: 2 }));
    expect(await early.outgoing.done).toEqual({ code: 'ABORTED', details: 'running sum of ring round 7, this worker is in round 8' });
  });

  it('drops the round when its upstream breaks off, and when the next worker refuses what it passes', async () => {
    const ring = new MemoryRing();
    const b = ring.add('b', 14, 1);
    for (const command of parameterCommands(1)) b.session.receive(command);
    b.session.receive(ringTask(11, 1, { ringId: 3, position: 1, size: 3, nextWorker: 'c', nextAddress: 'probe:1', totalCount: 3 }));
    const upstream = passFromA(b.session, 3, runningSum(1));
    await until(() => ring.probes.length === 1, 'the stream to the next worker');
    upstream.outgoing.cancel();
    expect(await ring.probes[0].pass.outgoing.done).toEqual({ code: 'CANCELLED', details: 'cancelled by the caller' });
    await until(() => b.log.lines.some((l) => l.startsWith('ring round dropped')), 'the drop');

    // Position 0, whose next worker refuses the running sum.
    const a = ring.add('a', 15, 1);
    for (const command of parameterCommands(1)) a.session.receive(command);
    a.session.receive(ringTask(30, 1, { ringId: 9, position: 0, size: 2, nextWorker: 'x', nextAddress: 'probe:2', totalCount: 2 }));
    await until(() => ring.probes.length === 2, 'the stream to x');
    ring.probes[1].pass.answer({ code: 'UNAVAILABLE', details: 'x is gone' });
    await until(() => a.log.lines.some((l) => l.startsWith('ring round dropped')), 'the drop');
    expect(a.log.lines).toContain('ring round dropped {"ring":9,"generation":1,"task":30,"why":"the next worker (x) did not take the running sum: UNAVAILABLE x is gone"}');
  });

  it('drops the round when the parameters from its upstream break off', async () => {
    const ring = new MemoryRing();
    const b = ring.add('b', 18, 1);
    b.session.receive(ringTask(11, 5, { ringId: 2, position: 1, size: 2, nextWorker: '', nextAddress: '', totalCount: 2 }));
    const upstream = passFromA(b.session, 2, { parameters: parameterCommands(5)[0].parameters! });
    // Taken into the store, then the stream breaks off.
    await new Promise((resolve) => setTimeout(resolve, 10));
    upstream.outgoing.cancel();
    await until(() => b.log.lines.some((l) => l.startsWith('ring round dropped')), 'the drop');
    expect(b.log.lines).toContain('ring round dropped {"ring":2,"generation":1,"task":11,"why":"the parameters from the previous worker broke off: Premature close"}');
    expect(b.computedAt).toEqual([]);
  });

  it('drops a round whose parameters are replaced by another version before they were forwarded', async () => {
    const ring = new MemoryRing();
    const a = ring.add('a', 16, 1);
    a.session.receive(ringTask(10, 5, { ringId: 2, position: 0, size: 2, nextWorker: 'b', nextAddress: 'probe:1', totalCount: 2 }));
    const [firstChunk] = parameterCommands(5);
    a.session.receive(firstChunk);
    a.session.receive(parameterCommands(6)[0]);
    await until(() => a.log.lines.some((l) => l.startsWith('ring round dropped')), 'the drop');
    expect(a.log.lines).toContain('ring round dropped {"ring":2,"generation":1,"task":10,"why":"parameters changed to version 6 before version 5 was forwarded"}');
    expect(a.computedAt).toEqual([]);
  });
});

async function writeWhenReady(stream: PeerPassStream, part: PeerPart): Promise<void> {
  if (stream.write(part)) return;
  await new Promise<void>((resolve) => stream.on('drain', resolve));
}

async function writeAll(stream: PeerPassStream, parts: PeerPart[]): Promise<void> {
  for (const part of parts) await writeWhenReady(stream, part);
}

/** A worker's kfkd_worker_ring_rounds_total lines. */
async function ringOutcomes(worker: RingWorker): Promise<string> {
  return (await worker.metrics.registry.metrics()).split('\n').filter((l) => l.startsWith('kfkd_worker_ring_rounds_total')).join('\n');
}
