/**
 * `npm run bench -- sync [--steps N] [--rounds R] [--workers 1,2,4]`: the
 * communication cost of one synchronous step for net2 (parameters out to
 * every worker, gradients back, averaging, Nesterov update) with 1, 2 and 4
 * workers whose compute does nothing, against the same bytes over a raw TCP
 * socket (the ceiling). Workers are separate processes on loopback.
 *
 * Between the two, the grpc-js floor (grpc-floor.ts): the same messages
 * through grpc-js with pass-through serialisers and no work on either side,
 * which tells what of the gap to raw TCP is grpc-js's own.
 *
 * The three set-ups stay up while R rounds alternate N steps of each, and
 * the medians over the rounds are printed: on a busy machine they are then
 * measured under the same load.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { CoordinatorService, RemoteGradientSource, TokenCheck, WorkerPool, serverCredentials, startServer, stopServer } from '@kfkd/coordinator';
import { UpdateMemory, nesterovUpdateSummed, netSpec, paramLayout, planStep } from '@kfkd/model';
import { preferThroughputGc, writeInOrder } from '@kfkd/runtime';
import * as grpc from '@grpc/grpc-js';
import { FLOOR_SERVICE, floorMessages } from './grpc-floor.ts';
import { cpuSecondsOf } from './process-cpu.ts';

const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));
// Children run in this node with tsx's loader (not tsx's CLI, which would add a wrapper process), so their pid is theirs.
const TSX_LOADER = import.meta.resolve('tsx');
const child = (script: string, args: string[]): ChildProcess => spawn(process.execPath, ['--import', TSX_LOADER, here(script), ...args], { stdio: 'inherit' });

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A set-up that can run timed batches of steps and be torn down. */
interface Rig<T> {
  run(steps: number): Promise<T>;
  close(): Promise<void>;
}

interface GrpcRound {
  readonly stepMs: number;
  readonly coordinatorCpuMs: number;
  readonly workerCpuMs: number;
  /** Wall and CPU ms of each step's averaging + update. */
  readonly updateMs: readonly number[];
  readonly updateCpuMs: readonly number[];
}

export async function sync(args: string[]): Promise<void> {
  // As `kfkd coordinator` and `kfkd worker` do (the raw TCP set-up runs in this process too).
  preferThroughputGc();
  const option = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const steps = Number(option('--steps') ?? 5) || 5;
  const rounds = Number(option('--rounds') ?? 4) || 4;
  const workerCounts = (option('--workers') ?? '1,2,4').split(',').map(Number);
  const spec = netSpec('net2');
  const count = paramLayout(spec).size;
  const batch = 128;
  const bytesPerWorker = count * 4;
  console.log(
    `net2: ${count.toLocaleString('en')} parameters (${(bytesPerWorker / 1e6).toFixed(1)} MB float32), batch ${batch}, no-op compute; ` +
      `${rounds} rounds of ${steps} steps each of gRPC, the grpc-js floor and raw TCP; medians over the rounds\n`,
  );
  console.log(
    'workers | gRPC ms/step | MB/step | gRPC MB/s | floor MB/s | raw TCP MB/s | gRPC/TCP | floor/TCP | CPU ms/step: coordinator, each worker | avg+update ms | (CPU ms)',
  );
  for (const workers of workerCounts) {
    const kfkd = await grpcRig(spec, count, batch, workers);
    const floor = await floorRig(bytesPerWorker, workers);
    const tcp = await tcpRig(bytesPerWorker, workers);
    const grpcRounds: GrpcRound[] = [];
    const floorRounds: number[] = [];
    const tcpRounds: number[] = [];
    try {
      for (let r = 0; r < rounds; r++) {
        grpcRounds.push(await kfkd.run(steps));
        floorRounds.push(await floor.run(steps));
        tcpRounds.push(await tcp.run(steps));
      }
    } finally {
      await kfkd.close();
      await floor.close();
      await tcp.close();
    }
    const grpcMs = median(grpcRounds.map((r) => r.stepMs));
    const mb = (2 * workers * bytesPerWorker) / 1e6;
    const rate = (ms: number): string => ((mb / ms) * 1000).toFixed(0);
    const percent = (ratios: number[]): string => `${(median(ratios) * 100).toFixed(0)}%`;
    console.log(
      [
        String(workers).padStart(7),
        grpcMs.toFixed(1).padStart(12),
        mb.toFixed(1).padStart(7),
        rate(grpcMs).padStart(9),
        rate(median(floorRounds)).padStart(10),
        rate(median(tcpRounds)).padStart(12),
        percent(grpcRounds.map((r, i) => tcpRounds[i] / r.stepMs)).padStart(8),
        percent(floorRounds.map((ms, i) => tcpRounds[i] / ms)).padStart(9),
        `${median(grpcRounds.map((r) => r.coordinatorCpuMs)).toFixed(1)}, ${median(grpcRounds.map((r) => r.workerCpuMs)).toFixed(1)}`.padStart(37),
        median(grpcRounds.flatMap((r) => r.updateMs)).toFixed(1).padStart(13),
        median(grpcRounds.flatMap((r) => r.updateCpuMs)).toFixed(1).padStart(8),
      ].join(' | '),
    );
  }
  console.log('\nMB/step counts parameters out plus gradients back for every worker. gRPC/TCP and floor/TCP are the medians over the');
  console.log('rounds of the raw TCP step time over the gRPC (floor) one. The floor sends the same 1 MiB messages through grpc-js with the');
  console.log('same settings but pass-through serialisers and no work at either end (bench/grpc-floor.ts). avg+update is the median over');
  console.log("all timed steps of the trainer's own call on the parts the workers sent (nesterovUpdateSummed over an UpdateMemory);");
  console.log("(CPU ms) is this process's CPU time for it, which leaves out waiting for a core on a busy machine. CPU ms/step: CPU time");
  console.log('per gRPC step of the coordinator (this process, one event loop for every worker, plus V8 helper threads) and of each');
  console.log('worker process (mean; from /proc, 10 ms resolution). All of these processes run without incremental marking, as kfkd does.');
  console.log('Goal: gRPC >= 50% of raw TCP; averaging + update < 20 ms.');
}

/** A coordinator (this process) and `workers` no-op workers on loopback; run() times whole distributed steps. */
async function grpcRig(spec: ReturnType<typeof netSpec>, count: number, batch: number, workers: number): Promise<Rig<GrpcRound>> {
  const rows = batch;
  const data = {
    columns: spec.columns,
    train: { rows, pixels: new Uint8Array(rows * 9216), targets: new Float32Array(rows * spec.outputs) },
    valid: { rows: 0, pixels: new Uint8Array(0), targets: new Float32Array(0) },
    sourceRows: rows,
  };
  const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: (m: string) => console.error(m) };
  const pool = new WorkerPool({ data, specJson: JSON.stringify(spec), parameterCount: count, minWorkers: workers, stepTimeoutMs: 60_000, heartbeatTimeoutMs: 60_000, log: quiet });
  const service = new CoordinatorService(pool, new TokenCheck('bench'), quiet);
  const { server, port } = await startServer('127.0.0.1:0', await serverCredentials(null), (s, sessions) => service.addToServer(s, sessions));
  const children = Array.from({ length: workers }, (_, i) => child('./sync-worker.ts', [String(port), `w${i}`]));
  const source = new RemoteGradientSource(pool, count, 0);
  // As the trainer does: parameters, velocities and the received gradients in one UpdateMemory.
  const memory = new UpdateMemory(count, 8);
  const { parameters, velocity } = memory;
  parameters.fill(0.01);
  let stepNumber = 0;
  const plan = planStep({ trainRows: rows, batchSize: batch, flip: false, seed: 1 }, 1, 0);
  const step = async (times?: { wall: number[]; cpu: number[] }): Promise<void> => {
    memory.releaseGradients();
    const sums = await source.trainStep(parameters, { ...plan, step: stepNumber++ }, { take: () => memory.takeGradient() });
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    nesterovUpdateSummed(parameters, velocity, sums.gradParts, 0.01, 0.9, 1 / batch);
    const used = process.cpuUsage(cpuStarted);
    times?.wall.push(performance.now() - started);
    times?.cpu.push((used.user + used.system) / 1000);
  };
  await step(); // joins, ships the shard, warms up
  await step();
  return {
    async run(steps) {
      const times = { wall: [] as number[], cpu: [] as number[] };
      const start = performance.now();
      const cpuStart = process.cpuUsage();
      const workersCpuStart = children.map((c) => cpuSecondsOf(c.pid));
      for (let s = 0; s < steps; s++) await step(times);
      const stepMs = (performance.now() - start) / steps;
      const cpuUsed = process.cpuUsage(cpuStart);
      const workersCpu = children.map((c, i) => cpuSecondsOf(c.pid) - workersCpuStart[i]);
      return {
        stepMs,
        coordinatorCpuMs: (cpuUsed.user + cpuUsed.system) / 1000 / steps,
        workerCpuMs: (1000 * workersCpu.reduce((a, b) => a + b, 0)) / workers / steps,
        updateMs: times.wall,
        updateCpuMs: times.cpu,
      };
    },
    async close() {
      pool.stop('finished');
      await stopServer(server);
      await Promise.all(children.map(exitOf));
    },
  };
}

/** `workers` grpc-js floor peers (grpc-floor-peer.ts); run() times steps of `bytes` down to every peer and back from each. */
async function floorRig(bytes: number, workers: number): Promise<Rig<number>> {
  const downs: grpc.ServerWritableStream<Buffer, Buffer>[] = [];
  let answered = 0;
  let onAnswer = (): void => undefined;
  const { server, port } = await startServer('127.0.0.1:0', await serverCredentials(null), (s, sessions) =>
    // No token here: each call opens its connection's window as an authenticated worker's call does.
    s.addService(FLOOR_SERVICE, {
      Down: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
        sessions.authenticated(call.getPeer());
        downs.push(call);
      },
      Up: (call: grpc.ServerReadableStream<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        sessions.authenticated(call.getPeer());
        call.on('data', () => undefined);
        call.on('end', () => {
          callback(null, Buffer.alloc(0));
          answered++;
          onAnswer();
        });
      },
    }),
  );
  const children = Array.from({ length: workers }, () => child('./grpc-floor-peer.ts', [String(port), String(bytes)]));
  while (downs.length < workers) await new Promise((r) => setTimeout(r, 10));
  const messages = floorMessages(Buffer.alloc(bytes, 1));
  const step = async (): Promise<void> => {
    answered = 0;
    const all = new Promise<void>((resolve) => (onAnswer = () => answered === workers && resolve()));
    await Promise.all(downs.map((down) => writeInOrder(down, messages)));
    await all;
  };
  for (let i = 0; i < 2; i++) await step();
  return {
    async run(steps) {
      const start = performance.now();
      for (let s = 0; s < steps; s++) await step();
      return (performance.now() - start) / steps;
    },
    async close() {
      for (const down of downs) down.end();
      await stopServer(server);
      await Promise.all(children.map(exitOf));
    },
  };
}

/** `workers` peers that echo length-prefixed payloads over raw TCP; run() times round trips of `bytes` to every peer at once. */
async function tcpRig(bytes: number, workers: number): Promise<Rig<number>> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const children = Array.from({ length: workers }, () => child('./tcp-peer.ts', [String(port)]));
  while (sockets.length < workers) await new Promise((r) => setTimeout(r, 10));
  const payload = Buffer.alloc(bytes + 4, 1);
  payload.writeUInt32LE(bytes, 0);
  const roundTrip = (socket: Socket): Promise<void> =>
    new Promise((resolve) => {
      let received = 0;
      const onData = (chunk: Buffer): void => {
        received += chunk.length;
        if (received >= bytes + 4) {
          socket.off('data', onData);
          resolve();
        }
      };
      socket.on('data', onData);
      socket.write(payload);
    });
  for (let i = 0; i < 2; i++) await Promise.all(sockets.map(roundTrip));
  return {
    async run(steps) {
      const start = performance.now();
      for (let s = 0; s < steps; s++) await Promise.all(sockets.map(roundTrip));
      return (performance.now() - start) / steps;
    },
    async close() {
      for (const s of sockets) s.end();
      server.close();
      await Promise.all(children.map(exitOf));
    },
  };
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}
