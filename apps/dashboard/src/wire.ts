/** The Watch stream's messages as the dashboard's events: the only place that reads proto types. */
import type { WatchEvent__Output } from '@kfkd/proto';
import type { DashboardEvent, RunEvent } from './shared/contract.ts';

const RUN_EVENTS: ReadonlySet<DashboardEvent['kind']> = new Set<RunEvent['kind']>(['run', 'epoch', 'step', 'worker', 'worker-gone', 'predictions', 'ring', 'finished']);

/**
 * The event of a Watch message; null for one this dashboard does not know (a newer coordinator).
 * An event of one job of a pool (its name in `job`) becomes that job's event.
 */
export function eventOf(message: WatchEvent__Output): DashboardEvent | null {
  const event = unnamedEventOf(message);
  if (!message.job || !event || !RUN_EVENTS.has(event.kind)) return event;
  return { kind: 'job', job: message.job, event: event as RunEvent };
}

function unnamedEventOf(message: WatchEvent__Output): DashboardEvent | null {
  const atMs = message.timeMs;
  switch (message.event) {
    case 'run': {
      const r = message.run!;
      return {
        kind: 'run',
        run: {
          net: r.net,
          data: r.data,
          trainRows: r.trainRows,
          validRows: r.validRows,
          batchSize: r.batchSize,
          maxEpochs: r.maxEpochs,
          stepsPerEpoch: r.stepsPerEpoch,
          parameterCount: r.parameterCount,
          flip: r.flip,
          startedAtMs: r.startedAtMs,
        },
      };
    }
    case 'epoch': {
      const e = message.epoch!;
      return {
        kind: 'epoch',
        epoch: {
          epoch: e.epoch,
          trainLoss: e.trainLoss,
          validLoss: e.validLoss,
          trainValidRatio: e.trainValidRatio,
          validRmsePx: e.validRmsePx,
          learningRate: e.learningRate,
          momentum: e.momentum,
          seconds: e.seconds,
          atMs,
        },
      };
    }
    case 'step': {
      const s = message.step!;
      return { kind: 'step', step: { epoch: s.epoch, step: s.step, steps: s.steps, stepLoss: s.stepLoss, learningRate: s.learningRate, momentum: s.momentum, atMs } };
    }
    case 'worker': {
      const w = message.worker!;
      return {
        kind: 'worker',
        worker: {
          id: w.workerId,
          session: w.session,
          host: w.host,
          backend: w.backend,
          device: w.device,
          state: w.state,
          samplesPerSecond: w.samplesPerSecond,
          lastTaskSeconds: w.lastTaskSeconds,
          lastHeartbeatMs: w.lastHeartbeatMs,
        },
      };
    }
    case 'workerGone': {
      const g = message.workerGone!;
      return { kind: 'worker-gone', id: g.workerId, session: g.session, reason: g.reason };
    }
    case 'predictions': {
      const p = message.predictions!;
      return {
        kind: 'predictions',
        predictions: {
          epoch: p.epoch,
          faces: p.faces.map((f) => ({ pixels: f.pixels.toString('base64'), predicted: float32s(f.predicted), truth: float32s(f.truth) })),
        },
      };
    }
    case 'ring': {
      const r = message.ring!;
      return {
        kind: 'ring',
        ring: {
          epoch: r.epoch,
          step: r.step,
          workers: r.workers,
          // uint64 on the wire (a string, see the proto loader's options); a round's bytes stay far below 2^53.
          hops: r.hops.map((h) => ({ from: h.fromWorker, to: h.toWorker, bytes: Number(h.bytes), seconds: h.seconds })),
          atMs,
        },
      };
    }
    case 'replayDone':
      return { kind: 'replay-done' };
    case 'finished':
      return { kind: 'finished', reason: message.finished!.reason, atMs };
    case 'poolInfo':
      return { kind: 'pool-start', startedAtMs: message.poolInfo!.startedAtMs };
    case 'pool': {
      const p = message.pool!;
      return {
        kind: 'pool',
        jobs: p.jobs.map((j) => ({
          name: j.name,
          net: j.net,
          state: j.state,
          epochsDone: j.epochsDone,
          maxEpochs: j.maxEpochs,
          bestValidRmsePx: j.bestValidRmsePx,
          workers: j.workers,
          minWorkers: j.minWorkers,
        })),
        placements: p.workers.map((w) => ({ id: w.workerId, job: w.job, state: w.state })),
      };
    }
    default:
      return null;
  }
}

/** Little-endian float32s (the wire's convention) as numbers, to 1/100 pixel: enough to draw, and short in JSON. */
function float32s(bytes: Buffer): number[] {
  const values: number[] = [];
  for (let i = 0; i + 4 <= bytes.length; i += 4) values.push(Math.round(bytes.readFloatLE(i) * 100) / 100);
  return values;
}
