/** A worker whose compute does nothing (zero gradients), for `bench sync`: argv = port id. */
import * as grpc from '@grpc/grpc-js';
import { preferThroughputGc, stderrLogger } from '@kfkd/runtime';
import { Worker } from '@kfkd/worker';

preferThroughputGc(); // as `kfkd worker` does
const [port, id] = process.argv.slice(2);
const quiet = { debug: () => undefined, info: () => undefined, warn: stderrLogger(`bench worker ${id}`).warn, error: stderrLogger(`bench worker ${id}`).error };
let gradient: Float32Array | null = null;
const worker = new Worker({
  coordinator: `127.0.0.1:${port}`,
  token: 'bench',
  id,
  backend: { name: 'none', device: 'no-op compute' },
  credentials: grpc.credentials.createInsecure(),
  makeCompute: () => (task) => {
    gradient ??= new Float32Array(task.parameters.length);
    return { lossSum: 0, gradSum: task.part === 'train' ? gradient : null, count: task.rows.length };
  },
  log: quiet,
});
await worker.run();
process.exit(0);
