/**
 * `kfkd worker`: picks a backend, then works for a coordinator until it says
 * the run is over (exit 0), refuses this worker for good (3, see failure.ts),
 * or SIGINT/SIGTERM makes the worker leave the run (130/143).
 */
import { hostname } from 'node:os';
import { GradientComputer, selectBackend } from '@kfkd/model';
import type { BackendChoice } from '@kfkd/model/backend-choice';
import { preferThroughputGc, stderrLogger } from '@kfkd/runtime';
import { Worker, WorkerMetrics, channelCredentials, gradientCompute } from '@kfkd/worker';
import { checkCoordinatorAddress } from './cluster-flags.ts';
import { type ClientCredentialFlags, clientCredentials } from './credentials.ts';
import { EXIT_COMPLETE, type ExitCode, interruptedExitCode } from './failure.ts';
import { serveWorkerMetrics } from './metrics-endpoint.ts';
import { type PeerFlags, peerConfig } from './peer-flags.ts';
import { onInterrupt } from './signals.ts';

/** What `kfkd worker` is given (its flags: commands/worker.ts). */
export interface WorkerFlags extends ClientCredentialFlags, PeerFlags {
  coordinator: string;
  backend: BackendChoice;
  id?: string;
  metricsListen: string;
  livenessTimeout: number;
}

export async function runWorker(flags: WorkerFlags): Promise<ExitCode> {
  preferThroughputGc();
  checkCoordinatorAddress(flags.coordinator);
  const id = flags.id ?? `${hostname()}-${process.pid}`;
  const log = stderrLogger(`worker ${id}`);
  const { tls, token } = await clientCredentials(flags, 'worker', log);
  const peers = await peerConfig(flags, tls, flags.coordinator, log);
  const backend = await selectBackend(flags.backend);
  log.info(backend.message, { backend: backend.name, device: backend.device, cudaVisibleDevices: process.env.CUDA_VISIBLE_DEVICES });
  const metrics = new WorkerMetrics({ id, backend: backend.name, device: backend.device });
  let checkIn = (): void => {};
  const worker = new Worker({
    coordinator: flags.coordinator,
    token,
    id,
    backend: { name: backend.name, device: backend.device },
    credentials: channelCredentials(tls),
    makeCompute: (spec) => gradientCompute(new GradientComputer(spec)),
    log,
    metrics,
    checkIn: () => checkIn(),
    peers,
  });
  // /readyz: joined and holding the current parameters; /livez: the main thread checked in within --liveness-timeout.
  const metricsServer = await serveWorkerMetrics(flags.metricsListen, metrics.registry, log, { ready: () => worker.ready, livenessTimeoutS: flags.livenessTimeout });
  if (metricsServer) checkIn = () => metricsServer.checkIn();
  const interruption = onInterrupt(() => worker.shutdown());
  try {
    const outcome = await worker.run();
    log.info(outcome === 'finished' ? 'done: training is over' : 'stopped', { tasksAccepted: worker.tasksAccepted });
    // The run being over wins over a signal that came as it ended: the work is done either way.
    return outcome === 'stopped' && interruption.signal ? interruptedExitCode(interruption.signal) : EXIT_COMPLETE;
  } finally {
    interruption.dispose();
    await metricsServer?.close();
  }
}
