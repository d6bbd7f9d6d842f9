import { describe, expect, it } from 'vitest';
import type { WatchEvent__Output } from '@kfkd/proto';
import { eventOf } from './wire.ts';

describe('Watch messages as dashboard events', () => {
  it('keeps an epoch record as it is, with its time', () => {
    const message: WatchEvent__Output = {
      timeMs: 123,
      job: '',
      event: 'epoch',
      epoch: { epoch: 4, trainLoss: 0.1, validLoss: 0.2, trainValidRatio: 0.5, validRmsePx: 21.4, learningRate: 0.01, momentum: 0.9, seconds: 1.5 },
    };
    expect(eventOf(message)).toEqual({ kind: 'epoch', epoch: { epoch: 4, trainLoss: 0.1, validLoss: 0.2, trainValidRatio: 0.5, validRmsePx: 21.4, learningRate: 0.01, momentum: 0.9, seconds: 1.5, atMs: 123 } });
  });

  it('turns faces into base64 pixels and little-endian float32 points into numbers', () => {
    const points = Buffer.alloc(8);
    points.writeFloatLE(10.504, 0);
    points.writeFloatLE(-1, 4);
    const message: WatchEvent__Output = { timeMs: 1, job: '', event: 'predictions', predictions: { epoch: 5, faces: [{ pixels: Buffer.from([0, 255]), predicted: points, truth: Buffer.alloc(0) }] } };
    expect(eventOf(message)).toEqual({ kind: 'predictions', predictions: { epoch: 5, faces: [{ pixels: 'AP8=', predicted: [10.5, -1], truth: [] }] } });
  });

  it("makes a pool job's event that job's, and reads the pool's status", () => {
    const epoch = { epoch: 2, trainLoss: 0.1, validLoss: 0.2, trainValidRatio: 0.5, validRmsePx: 21.4, learningRate: 0.01, momentum: 0.9, seconds: 1.5 };
    expect(eventOf({ timeMs: 5, job: 'mouth', event: 'epoch', epoch })).toEqual({ kind: 'job', job: 'mouth', event: { kind: 'epoch', epoch: { ...epoch, atMs: 5 } } });
    expect(eventOf({ timeMs: 5, job: 'mouth', event: 'finished', finished: { reason: 'completed' } })).toEqual({ kind: 'job', job: 'mouth', event: { kind: 'finished', reason: 'completed', atMs: 5 } });
    expect(eventOf({ timeMs: 5, job: '', event: 'finished', finished: { reason: 'completed' } })).toEqual({ kind: 'finished', reason: 'completed', atMs: 5 });
    expect(eventOf({ timeMs: 5, job: '', event: 'poolInfo', poolInfo: { startedAtMs: 3 } })).toEqual({ kind: 'pool-start', startedAtMs: 3 });
    const job = { name: 'mouth', net: 'net6', state: 'training', epochsDone: 2, maxEpochs: 40, bestValidRmsePx: 2.5, workers: 1, minWorkers: 1 };
    expect(eventOf({ timeMs: 5, job: '', event: 'pool', pool: { jobs: [job], workers: [{ workerId: 'w1', job: 'mouth', state: 'in-job' }] } })).toEqual({
      kind: 'pool',
      jobs: [job],
      placements: [{ id: 'w1', job: 'mouth', state: 'in-job' }],
    });
  });

  it("reads a ring round's order and hops (bytes: uint64 as a string), the coordinator's hop as to ''; in a pool, the job's", () => {
    const ring = {
      epoch: 3,
      step: 7,
      workers: ['w1', 'w2'],
      hops: [
        { fromWorker: 'w1', toWorker: 'w2', bytes: '33554432', seconds: 0.25 },
        { fromWorker: 'w2', toWorker: '', bytes: '33554432', seconds: 0.5 },
      ],
    };
    const view = {
      epoch: 3,
      step: 7,
      workers: ['w1', 'w2'],
      hops: [
        { from: 'w1', to: 'w2', bytes: 33_554_432, seconds: 0.25 },
        { from: 'w2', to: '', bytes: 33_554_432, seconds: 0.5 },
      ],
      atMs: 9,
    };
    expect(eventOf({ timeMs: 9, job: '', event: 'ring', ring })).toEqual({ kind: 'ring', ring: view });
    expect(eventOf({ timeMs: 9, job: 'mouth', event: 'ring', ring })).toEqual({ kind: 'job', job: 'mouth', event: { kind: 'ring', ring: view } });
  });

  it('ignores events it does not know', () => {
    expect(eventOf({ timeMs: 1, job: '' })).toBeNull();
  });
});
