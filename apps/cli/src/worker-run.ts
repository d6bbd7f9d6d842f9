/** `kfkd worker`: picks a backend, then works for a coordinator until training ends or Ctrl-C. */
import { hostname } from 'node:os';
import { GradientComputer, selectBackend } from '@kfkd/model';
import { preferThroughputGc, stderrLogger } from '@kfkd/runtime';
import { Worker, WorkerMetrics, channelCredentials, gradientCompute } from '@kfkd/worker';
import { clientCredentials } from './credentials.ts';
import type { WorkerFlags } from './commands/worker.ts';
import { UsageError } from './failure.ts';
import { serveMetrics } from './metrics-endpoint.ts';
import { onInterrupt } from './signals.ts';

export async function runWorker(flags: WorkerFlags): Promise<void> {
  preferThroughputGc();
  if (!/^.+:\d+$/.test(flags.coordinator)) throw new UsageError(`--coordinator must be HOST:PORT, got '${flags.coordinator}'`);
  const id = flags.id ?? `${hostname()}-${process.pid}`;
  const log = stderrLogger(`worker ${id}`);
  const { tls, token } = await clientCredentials(flags, 'worker', log);
  const backend = await selectBackend(flags.backend);
  log.info(backend.message, { backend: backend.name, device: backend.device, cudaVisibleDevices: process.env.CUDA_VISIBLE_DEVICES });
  const metrics = new WorkerMetrics({ id, backend: backend.name, device: backend.device });
  const metricsServer = await serveMetrics(flags.metricsListen, metrics.registry, log);
  const worker = new Worker({
    coordinator: flags.coordinator,
    token,
    id,
    backend: { name: backend.name, device: backend.device },
    credentials: channelCredentials(tls),
    makeCompute: (spec) => gradientCompute(new GradientComputer(spec)),
    log,
    metrics,
  });
  const stopListening = onInterrupt(() => worker.shutdown());
  try {
    const outcome = await worker.run();
    log.info(outcome === 'finished' ? 'done: training is over' : 'stopped', { tasksAccepted: worker.tasksAccepted });
  } finally {
    stopListening();
    await metricsServer?.close();
  }
}
