/**
 * `npm run bench -- sync [--steps N] [--workers 1,2,4]`: the communication cost of one
 * synchronous step for net2 (parameters out to every worker, gradients back,
 * averaging, Nesterov update) with 1, 2 and 4 workers whose compute does
 * nothing, against the same bytes over a raw TCP socket (the ceiling).
 * Workers are separate processes on loopback.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { CoordinatorService, RemoteGradientSource, TokenCheck, WorkerPool, serverCredentials, startServer, stopServer } from '@kfkd/coordinator';
import { UpdateMemory, nesterovUpdateSummed, netSpec, paramLayout, planStep } from '@kfkd/model';

// Children run in this node with tsx's loader (not tsx's CLI, which would add a wrapper process), so their pid is theirs.
const TSX_LOADER = import.meta.resolve('tsx');
const child = (script: string, args: string[]): ChildProcess => spawn(process.execPath, ['--import', TSX_LOADER, here(script), ...args], { stdio: 'inherit' });

/** CPU seconds (user + system) a process has used so far, from /proc; null where there is no /proc. */
function cpuSecondsOf(pid: number | undefined): number | null {
  try {
    // Fields after the command name: state is field 3, utime 14, stime 15 (clock ticks, 100 per second on Linux).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}
const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));

export async function sync(args: string[]): Promise<void> {
  const option = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const steps = Number(option('--steps') ?? 10) || 10;
  const workerCounts = (option('--workers') ?? '1,2,4').split(',').map(Number);
  const spec = netSpec('net2');
  const count = paramLayout(spec).size;
  const batch = 128;
  const bytesPerWorker = count * 4;
  console.log(`net2: ${count.toLocaleString('en')} parameters (${(bytesPerWorker / 1e6).toFixed(1)} MB float32), batch ${batch}, ${steps} timed steps, no-op compute\n`);
  console.log('workers | gRPC ms/step | MB/step | gRPC MB/s | raw TCP ms/step | raw TCP MB/s | gRPC/TCP | CPU ms/step: coordinator, each worker | avg+update ms | (CPU ms)');
  for (const workers of workerCounts) {
    const { stepMs: grpcMs, coordinatorCpuMs, workerCpuMs, updateMs, updateCpuMs } = await grpcSteps(spec, count, batch, workers, steps);
    const tcpMs = await tcpSteps(bytesPerWorker, workers, steps);
    const mb = (2 * workers * bytesPerWorker) / 1e6;
    console.log(
      [
        String(workers).padStart(7),
        grpcMs.toFixed(1).padStart(12),
        mb.toFixed(1).padStart(7),
        ((mb / grpcMs) * 1000).toFixed(0).padStart(9),
        tcpMs.toFixed(1).padStart(15),
        ((mb / tcpMs) * 1000).toFixed(0).padStart(12),
        `${((tcpMs / grpcMs) * 100).toFixed(0)}%`.padStart(8),
        `${coordinatorCpuMs.toFixed(1)}, ${workerCpuMs.toFixed(1)}`.padStart(37),
        updateMs.toFixed(1).padStart(13),
        updateCpuMs.toFixed(1).padStart(8),
      ].join(' | '),
    );
  }
  console.log('\nMB/step counts parameters out plus gradients back for every worker. avg+update is the median over the timed steps of the');
  console.log("trainer's own call on the parts the workers sent (nesterovUpdateSummed); (CPU ms) is this process's CPU time for it,");
  console.log('which leaves out waiting for a core on a busy machine. CPU ms/step: CPU time per gRPC step of the coordinator (this');
  console.log('process, one event loop for every worker) and of each worker process (mean; from /proc, 10 ms resolution).');
  console.log('Goal: gRPC >= 50% of raw TCP; averaging + update < 20 ms.');
}

/** ms per step of the whole distributed step, and the median ms of its averaging + update (the trainer's call, on what the workers sent). */
async function grpcSteps(
  spec: ReturnType<typeof netSpec>,
  count: number,
  batch: number,
  workers: number,
  steps: number,
): Promise<{ stepMs: number; coordinatorCpuMs: number; workerCpuMs: number; updateMs: number; updateCpuMs: number }> {
  const rows = batch;
  const data = {
    columns: spec.columns,
    train: { rows, pixels: new Uint8Array(rows * 9216), targets: new Float32Array(rows * spec.outputs) },
    valid: { rows: 0, pixels: new Uint8Array(0), targets: new Float32Array(0) },
    sourceRows: rows,
  };
  const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: (m: string) => console.error(m) };
  const pool = new WorkerPool({ data, specJson: JSON.stringify(spec), parameterCount: count, minWorkers: workers, taskTimeoutMs: 60_000, heartbeatTimeoutMs: 60_000, log: quiet });
  const service = new CoordinatorService(pool, new TokenCheck('bench'), quiet);
  const { server, port } = await startServer('127.0.0.1:0', await serverCredentials(null), (s) => service.addToServer(s));
  const children = Array.from({ length: workers }, (_, i) => child('./sync-worker.ts', [String(port), `w${i}`]));
  try {
    const source = new RemoteGradientSource(pool, count, 0);
    // As the trainer does: parameters, velocities and the received gradients in one UpdateMemory.
    const memory = new UpdateMemory(count, 8);
    const { parameters, velocity } = memory;
    parameters.fill(0.01);
    const updates: number[] = [];
    const cpu: number[] = [];
    const step = async (s: number): Promise<void> => {
      const plan = planStep({ trainRows: rows, batchSize: batch, flip: false, seed: 1 }, 1, 0);
      memory.releaseGradients();
      const sums = await source.trainStep(parameters, { ...plan, step: s }, { take: () => memory.takeGradient() });
      const started = performance.now();
      const cpuStarted = process.cpuUsage();
      nesterovUpdateSummed(parameters, velocity, sums.gradParts, 0.01, 0.9, 1 / batch);
      const used = process.cpuUsage(cpuStarted);
      updates.push(performance.now() - started);
      cpu.push((used.user + used.system) / 1000);
    };
    await step(0); // joins, ships the shard, warms up
    await step(1);
    updates.length = 0;
    cpu.length = 0;
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    const workersCpuStart = children.map((c) => cpuSecondsOf(c.pid));
    for (let s = 0; s < steps; s++) await step(s + 2);
    const stepMs = (performance.now() - start) / steps;
    const cpuUsed = process.cpuUsage(cpuStart);
    const coordinatorCpuMs = (cpuUsed.user + cpuUsed.system) / 1000 / steps;
    const workersCpu = children.map((c, i) => (cpuSecondsOf(c.pid) ?? NaN) - (workersCpuStart[i] ?? NaN));
    const workerCpuMs = (1000 * workersCpu.reduce((a, b) => a + b, 0)) / workers / steps;
    const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    return { stepMs, coordinatorCpuMs, workerCpuMs, updateMs: median(updates), updateCpuMs: median(cpu) };
  } finally {
    pool.stop('finished');
    await stopServer(server);
    await Promise.all(children.map(exitOf));
  }
}

async function tcpSteps(bytes: number, workers: number, steps: number): Promise<number> {
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
  try {
    for (let i = 0; i < 2; i++) await Promise.all(sockets.map(roundTrip));
    const start = performance.now();
    for (let s = 0; s < steps; s++) await Promise.all(sockets.map(roundTrip));
    return (performance.now() - start) / steps;
  } finally {
    for (const s of sockets) s.end();
    server.close();
    await Promise.all(children.map(exitOf));
  }
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}
