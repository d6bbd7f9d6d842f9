import { describe, expect, it } from 'vitest';
import type { WatchEvent__Output } from '@kfkd/proto';
import { eventOf } from './wire.ts';

describe('Watch messages as dashboard events', () => {
  it('keeps an epoch record as it is, with its time', () => {
    const message: WatchEvent__Output = {
      timeMs: 123,
      event: 'epoch',
      epoch: { epoch: 4, trainLoss: 0.1, validLoss: 0.2, trainValidRatio: 0.5, validRmsePx: 21.4, learningRate: 0.01, momentum: 0.9, seconds: 1.5 },
    };
    expect(eventOf(message)).toEqual({ kind: 'epoch', epoch: { epoch: 4, trainLoss: 0.1, validLoss: 0.2, trainValidRatio: 0.5, validRmsePx: 21.4, learningRate: 0.01, momentum: 0.9, seconds: 1.5, atMs: 123 } });
  });

  it('turns faces into base64 pixels and little-endian float32 points into numbers', () => {
    const points = Buffer.alloc(8);
    points.writeFloatLE(10.504, 0);
    points.writeFloatLE(-1, 4);
    const message: WatchEvent__Output = { timeMs: 1, event: 'predictions', predictions: { epoch: 5, faces: [{ pixels: Buffer.from([0, 255]), predicted: points, truth: Buffer.alloc(0) }] } };
    expect(eventOf(message)).toEqual({ kind: 'predictions', predictions: { epoch: 5, faces: [{ pixels: 'AP8=', predicted: [10.5, -1], truth: [] }] } });
  });

  it('ignores events it does not know', () => {
    expect(eventOf({ timeMs: 1 })).toBeNull();
  });
});
