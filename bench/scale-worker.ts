/**
 * A worker for bench scale: the real @kfkd/worker (session, shard store,
 * protocol, gradient chunks) with its compute replaced by a fixed time per
 * row that stands for a GPU. argv: coordinator-address id ms-per-train-row.
 *
 * The wait blocks the event loop without using a core (Atomics.wait), as a
 * synchronous GPU call would block it while the GPU works: 2 shared cores
 * then carry only the bytes. Validation rows take a third of the time (the
 * forward pass alone). The gradient is a constant vector, so the
 * coordinator's real Nesterov update runs on real numbers.
 *
 * Each task prints one JSON line on stdout as it starts, after its
 * parameters are in: {"part":"train","rows":16,"at":<ms, wall clock>}. The
 * bench times steps between these lines of the first worker.
 */
import * as grpc from '@grpc/grpc-js';
import { preferThroughputGc, stderrLogger } from '@kfkd/runtime';
import { Worker } from '@kfkd/worker';

/** What a task-start line carries. */
export interface TaskStart {
  readonly part: 'train' | 'valid';
  readonly rows: number;
  /** performance.timeOrigin + performance.now(): comparable across processes. */
  readonly at: number;
}

preferThroughputGc(); // as `kfkd worker` does
const [coordinator, id, msPerRowText] = process.argv.slice(2);
const msPerRow = Number(msPerRowText);
const log = stderrLogger(`bench worker ${id}`);
const quiet = { debug: () => undefined, info: () => undefined, warn: log.warn, error: log.error };
const sleeper = new Int32Array(new SharedArrayBuffer(4));
let gradient: Float32Array | null = null;

const worker = new Worker({
  coordinator,
  token: 'bench',
  id,
  backend: { name: 'none', device: `fixed ${msPerRow} ms per row` },
  credentials: grpc.credentials.createInsecure(),
  // Serves ring peers on its namespace's address (the one towards the coordinator); the coordinator's --topology decides.
  peers: { client: grpc.credentials.createInsecure(), serve: { listen: '0.0.0.0:0', credentials: grpc.ServerCredentials.createInsecure(), advertise: null } },
  makeCompute: () => (task) => {
    const start: TaskStart = { part: task.part, rows: task.rows.length, at: performance.timeOrigin + performance.now() };
    process.stdout.write(`${JSON.stringify(start)}\n`);
    const ms = task.rows.length * msPerRow * (task.part === 'train' ? 1 : 1 / 3);
    Atomics.wait(sleeper, 0, 0, ms);
    gradient ??= new Float32Array(task.parameters.length).fill(1e-4);
    return { lossSum: 0.01 * task.rows.length, gradSum: task.part === 'train' ? gradient : null, count: task.rows.length };
  },
  log: quiet,
});
// An orderly exit on the cluster's SIGTERM, so that node flags such as --cpu-prof write their files.
process.once('SIGTERM', () => process.exit(0));
await worker.run();
process.exit(0);
