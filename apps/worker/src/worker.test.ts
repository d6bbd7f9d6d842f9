/**
 * How a worker treats the parameters it is sent, against a scripted
 * coordinator (a real gRPC server on loopback): it computes at the version
 * its task names, assembled from chunks, and gives up the session (the
 * coordinator then sees its stream cancelled) when a task names parameters
 * it does not have in full.
 */
import * as grpc from '@grpc/grpc-js';
import { netSpec } from '@kfkd/model';
import { type Command, type CoordinatorHandlers, TENSOR_CHUNK_BYTES, kfkdProto, tensorChunks } from '@kfkd/proto';
import { memoryLogger } from '@kfkd/runtime';
import { afterEach, expect, it } from 'vitest';
import { Backoff } from './reconnect.ts';
import { Worker } from './worker.ts';

const spec = netSpec('net1');
// Three chunks.
const PARAMETERS = (2 * TENSOR_CHUNK_BYTES) / 4 + 3;
let server: grpc.Server | null = null;
afterEach(() => {
  server?.forceShutdown();
  server = null;
});

/** Serves one Join: a welcome, one shard row, then `script`'s commands; resolves when the worker cancels its stream. */
async function scripted(script: Command[]): Promise<{ port: number; cancelled: Promise<void>; reports: number[] }> {
  let cancelled!: () => void;
  const done = new Promise<void>((resolve) => (cancelled = resolve));
  const reports: number[] = [];
  const handlers: CoordinatorHandlers = {
    Join: (call) => {
      call.on('cancelled', () => cancelled());
      call.write({ welcome: { workerId: call.request.workerId, session: 1, generation: 1, specJson: JSON.stringify(spec), parameterCount: PARAMETERS, heartbeatIntervalMs: 60_000 } });
      call.write({ shard: { generation: 1, part: 'PART_TRAIN', addRows: [0], pixels: Buffer.alloc(9216), targets: Buffer.alloc(30 * 4) } });
      for (const command of script) call.write(command);
    },
    Report: (call, callback) => {
      call.on('data', (part) => part.result && reports.push(part.result.taskId));
      call.on('end', () => callback(null, {}));
    },
    Heartbeat: (_call, callback) => callback(null, { generation: 1 }),
    Watch: (call) => call.end(),
  };
  server = new grpc.Server();
  server.addService(kfkdProto().kfkd.v1.Coordinator.service, handlers);
  const port = await new Promise<number>((resolve, reject) => server!.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return { port, cancelled: done, reports };
}

const task = (taskId: number, version: number): Command => ({ task: { generation: 1, taskId, part: 'PART_TRAIN', epoch: 1, step: taskId, parametersVersion: version, rows: [0], positions: [0], dropoutSeed: 1 } });
const chunksOf = (version: number, values: Float32Array): Command[] => tensorChunks(values).map((c) => ({ parameters: { version, ...c } }));

function worker(port: number, seen: Float32Array[], log = memoryLogger()): Worker {
  return new Worker({
    coordinator: `127.0.0.1:${port}`,
    token: 't',
    id: 'w',
    backend: { name: 'cpu', device: 'test' },
    credentials: grpc.credentials.createInsecure(),
    makeCompute: () => (t) => {
      seen.push(t.parameters.slice());
      return { lossSum: 1, gradSum: new Float32Array(PARAMETERS), count: t.rows.length };
    },
    log,
  });
}

it('computes each task at the parameter version it names, and keeps a version for the tasks after it', async () => {
  const first = Float32Array.from({ length: PARAMETERS }, (_, i) => i);
  const second = first.map((x) => -x);
  const { port, reports } = await scripted([...chunksOf(1, first), task(1, 1), task(2, 1), ...chunksOf(2, second), task(3, 2)]);
  const seen: Float32Array[] = [];
  const w = worker(port, seen);
  const run = w.run();
  while (reports.length < 3) await new Promise((r) => setTimeout(r, 20));
  w.shutdown();
  await run;
  expect(seen.map((p) => [p[1], p[PARAMETERS - 1]])).toEqual([
    [1, PARAMETERS - 1],
    [1, PARAMETERS - 1],
    [-1, -(PARAMETERS - 1)],
  ]);
});

it('gives up the session when a task names parameters it was not sent in full', async () => {
  const values = new Float32Array(PARAMETERS);
  const { port, cancelled } = await scripted([...chunksOf(1, values).slice(0, 2), task(1, 1)]);
  const log = memoryLogger();
  const seen: Float32Array[] = [];
  const w = worker(port, seen, log);
  const run = w.run();
  await cancelled;
  w.shutdown();
  await run;
  expect(seen).toHaveLength(0);
  // Two of the three chunks arrived.
  expect(log.lines.join('\n')).toMatch(new RegExp(`task without its parameters .*"version":1.*"values":${TENSOR_CHUNK_BYTES / 2}\\b`));
});

/** Waits (polling every 20 ms, up to 10 s) until `condition` holds. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 10 s');
    await new Promise((r) => setTimeout(r, 20));
  }
}

it('is ready (/readyz) only while joined and holding a complete parameter vector, and checks in when that changes', async () => {
  const values = new Float32Array(PARAMETERS);
  // Joined, but two of the three chunks only: not ready.
  const partial = await scripted(chunksOf(1, values).slice(0, 2));
  const w1 = worker(partial.port, []);
  const run1 = w1.run();
  await until(() => w1.state === 'joined');
  await new Promise((r) => setTimeout(r, 200));
  expect(w1.ready).toBe(false);
  w1.shutdown();
  await run1;
  server?.forceShutdown();

  const { port } = await scripted(chunksOf(1, values));
  let checkIns = 0;
  const w2 = new Worker({
    coordinator: `127.0.0.1:${port}`,
    token: 't',
    id: 'w',
    backend: { name: 'cpu', device: 'test' },
    credentials: grpc.credentials.createInsecure(),
    makeCompute: () => () => ({ lossSum: 1, gradSum: new Float32Array(PARAMETERS), count: 1 }),
    log: memoryLogger(),
    checkIn: () => checkIns++,
  });
  expect(w2.ready).toBe(false);
  const run2 = w2.run();
  await until(() => w2.ready);
  const readyAt = checkIns;
  expect(readyAt).toBeGreaterThanOrEqual(3); // connecting, joined, parameters complete
  // The coordinator goes away: the session ends and the worker is no longer ready.
  server?.forceShutdown();
  await until(() => w2.state === 'backing-off');
  expect(w2.ready).toBe(false);
  expect(checkIns).toBeGreaterThan(readyAt);
  w2.shutdown();
  await run2;
});

it('joins again at once after Moved (no backoff), and is welcomed into the next job with its net', async () => {
  const nets = [netSpec('net1'), netSpec('tinyconv-test')];
  const joins: number[] = [];
  const handlers: CoordinatorHandlers = {
    Join: (call) => {
      joins.push(Date.now());
      const job = joins.length - 1;
      const net = nets[job]!;
      call.write({ welcome: { workerId: call.request.workerId, session: job + 1, generation: 1, specJson: JSON.stringify(net), parameterCount: 4, heartbeatIntervalMs: 60_000 } });
      call.write(job === 0 ? { moved: { reason: 'the job is over' } } : { finished: { reason: 'training is over' } });
      call.end();
    },
    Report: (_call, callback) => callback(null, {}),
    Heartbeat: (_call, callback) => callback(null, { generation: 1 }),
    Watch: (call) => call.end(),
  };
  server = new grpc.Server();
  server.addService(kfkdProto().kfkd.v1.Coordinator.service, handlers);
  const port = await new Promise<number>((resolve, reject) => server!.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  const computed: string[] = [];
  const log = memoryLogger();
  const w = new Worker({
    coordinator: `127.0.0.1:${port}`,
    token: 't',
    id: 'w',
    backend: { name: 'cpu', device: 'test' },
    credentials: grpc.credentials.createInsecure(),
    makeCompute: (spec) => {
      computed.push(spec.name);
      return () => ({ lossSum: 1, gradSum: null, count: 1 });
    },
    // A retry after a failure would wait a minute: the test would time out.
    backoff: new Backoff({ initialMs: 60_000, random: () => 1 }),
    log,
  });
  expect(await w.run()).toBe('finished');
  expect(joins).toHaveLength(2);
  expect(computed).toEqual(['net1', 'tinyconv-test']);
  expect(log.lines.join('\n')).not.toMatch(/reconnecting/);
});
