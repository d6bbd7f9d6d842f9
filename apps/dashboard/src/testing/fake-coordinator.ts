/**
 * A stand-in coordinator that only serves Watch, replaying a made-up run:
 * `epochs` epoch records, two workers and 16 predicted faces. For measuring
 * what a page load of a long run costs without training one, and for the
 * watch client's reconnection. fakePool() makes a pool of jobs instead.
 */
import * as grpc from '@grpc/grpc-js';
import { AUTHORIZATION_KEY, kfkdProto } from '@kfkd/proto';
import type { CoordinatorHandlers, WatchEvent } from '@kfkd/proto';

export interface FakeCoordinator {
  readonly address: string;
  /** Sends a live event to every open Watch stream (after its replay). */
  push(event: WatchEvent): void;
  stop(): Promise<void>;
}

/** One job of fakePool(): its name, net, epochs done of max, and its workers. */
export interface FakeJob {
  readonly name: string;
  readonly net: string;
  readonly epochs: number;
  readonly maxEpochs: number;
  readonly workers: readonly string[];
  /** Set when the job is over. */
  readonly finished?: string;
}

/**
 * A pool's replay as a pool coordinator sends it: PoolInfo, the status
 * (jobs, placements; `parked` workers in no job), each job's run named by
 * the job (RunInfo, epochs, workers, faces; a job's end), ReplayDone.
 */
export function fakePool(jobs: readonly FakeJob[], parked: readonly string[] = [], nowMs = Date.now()): WatchEvent[] {
  const named = jobs.flatMap((job) => {
    const run = fakeRun(job.epochs, nowMs, { net: job.net, maxEpochs: job.maxEpochs, workers: job.workers, loss: job.name.length }).filter((e) => !e.replayDone);
    if (job.finished) run.push({ timeMs: nowMs, finished: { reason: job.finished } });
    return run.map((e) => ({ ...e, job: job.name }));
  });
  const rmse = (job: FakeJob) => Math.min(...named.filter((e) => e.job === job.name && e.epoch).map((e) => Number(e.epoch!.validRmsePx)));
  const placements = [
    ...jobs.flatMap((job) => job.workers.map((workerId) => ({ workerId, job: job.name, state: 'in-job' }))),
    ...parked.map((workerId) => ({ workerId, job: '', state: 'parked' })),
  ].sort((a, b) => (a.workerId < b.workerId ? -1 : 1));
  return [
    { timeMs: nowMs, poolInfo: { startedAtMs: nowMs - 60_000 } },
    {
      timeMs: nowMs,
      pool: {
        jobs: jobs.map((job) => ({
          name: job.name,
          net: job.net,
          state: job.finished ?? (job.workers.length > 0 ? 'training' : 'waiting'),
          epochsDone: job.epochs,
          maxEpochs: job.maxEpochs,
          bestValidRmsePx: job.epochs > 0 ? rmse(job) : 0,
          workers: job.workers.length,
          minWorkers: 1,
        })),
        workers: placements,
      },
    },
    ...named,
    { timeMs: nowMs, replayDone: {} },
  ];
}

/** A made-up run's replay; `run` changes its net, length, workers and loss curve (a pool's jobs differ). */
export function fakeRun(
  epochs: number,
  nowMs = Date.now(),
  run: { readonly net?: string; readonly maxEpochs?: number; readonly workers?: readonly string[]; readonly loss?: number } = {},
): WatchEvent[] {
  const scale = 1 + (run.loss ?? 0) / 10;
  const events: WatchEvent[] = [
    {
      timeMs: nowMs,
      run: { net: run.net ?? 'net2', data: 'training.csv', trainRows: 1712, validRows: 428, batchSize: 128, maxEpochs: run.maxEpochs ?? 3000, stepsPerEpoch: 14, parameterCount: 1_000_000, flip: true, startedAtMs: nowMs - epochs * 5000 },
    },
  ];
  for (let e = 1; e <= epochs; e++) {
    const trainLoss = (0.002 + 0.1 / e) * scale;
    const validLoss = (0.003 + 0.08 / e) * scale;
    events.push({
      timeMs: nowMs - (epochs - e) * 5000,
      epoch: { epoch: e, trainLoss, validLoss, trainValidRatio: trainLoss / validLoss, validRmsePx: Math.sqrt(validLoss) * 48, learningRate: 0.03, momentum: 0.9, seconds: 4.9 + (e % 7) / 10 },
    });
  }
  for (const id of run.workers ?? ['gpu-node-1-gpu0', 'gpu-node-2-gpu0']) {
    events.push({ timeMs: nowMs, worker: { workerId: id, session: 1, host: 'ipv4:10.0.0.7:40000', backend: 'tensorflow', device: 'GPU 0', state: 'active', samplesPerSecond: 900, lastTaskSeconds: 0.07, lastHeartbeatMs: nowMs } });
  }
  const face = (i: number) => {
    // Noise: faces compress worse than a pattern would, noise worst of all.
    const pixels = Buffer.alloc(96 * 96);
    let seed = 12345 + i;
    for (let p = 0; p < pixels.length; p++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      pixels[p] = seed >>> 24;
    }
    const points = new Float32Array(30).map((_, k) => 20.123 + ((k * 17 + i) % 56) / 1.7);
    const bytes = Buffer.from(points.buffer);
    return { pixels, predicted: bytes, truth: bytes };
  };
  events.push({ timeMs: nowMs, predictions: { epoch: epochs, faces: Array.from({ length: 16 }, (_, i) => face(i)) } });
  events.push({ timeMs: nowMs, replayDone: {} });
  return events;
}

export async function startFakeCoordinator(token: string, events: readonly WatchEvent[]): Promise<FakeCoordinator> {
  const server = new grpc.Server();
  const open = new Set<grpc.ServerWritableStream<unknown, WatchEvent>>();
  const unimplemented = (_call: unknown, callback: grpc.sendUnaryData<never>): void => callback({ code: grpc.status.UNIMPLEMENTED });
  const handlers: CoordinatorHandlers = {
    Join: (call) => call.emit('error', { code: grpc.status.UNIMPLEMENTED }),
    Report: unimplemented,
    Heartbeat: unimplemented,
    Watch: (call) => {
      if (call.metadata.get(AUTHORIZATION_KEY)[0] !== `Bearer ${token}`) return void call.emit('error', { code: grpc.status.UNAUTHENTICATED });
      for (const event of events) call.write(event);
      open.add(call);
      call.on('cancelled', () => open.delete(call));
      // Then ends after a finished run (or pool: a job's end is named), as the coordinator does, or stays open, as a live run's stream does.
      if (events.some((event) => event.finished && !event.job)) call.end();
    },
  };
  server.addService(kfkdProto().kfkd.v1.Coordinator.service, handlers);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return {
    address: `127.0.0.1:${port}`,
    push: (event) => {
      for (const call of open) if (!call.writableEnded) call.write(event);
    },
    stop: () => new Promise((resolve) => {
      server.forceShutdown();
      resolve();
    }),
  };
}
