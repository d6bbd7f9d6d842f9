/** The SIMD pixel scaling gives exactly p / 255 rounded to float32 (the JavaScript table's values) for every byte. */
import * as tf from '../tf.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend.ts';
import { scalePixelsOnBackend } from './pixels.ts';

beforeAll(async () => {
  await selectBackend('wasm');
});

afterAll(async () => {
  await selectBackend('cpu');
});

describe('pixel scaling on wasm', () => {
  it('maps every byte value to p / 255 rounded to float32, bit for bit, in any position', () => {
    // All 256 values, 3 times at shifted positions, plus a tail that is not a multiple of 8.
    const pixels = Uint8Array.from({ length: 3 * 256 + 5 }, (_, i) => (i * 7 + (i >> 8)) % 256);
    const expected = Float32Array.from(pixels, (p) => p / 255);
    const x = scalePixelsOnBackend(pixels, [pixels.length]);
    expect(x).not.toBeNull();
    expect(x?.dtype).toBe('float32');
    expect(x?.dataSync()).toEqual(expected);
    x?.dispose();
  });

  it('takes an unaligned view and keeps the shape', () => {
    const buffer = Uint8Array.from({ length: 2 * 9216 + 3 }, (_, i) => (i * 31) % 256);
    const pixels = buffer.subarray(3);
    const x = scalePixelsOnBackend(pixels, [2, 96, 96, 1]);
    expect(x?.shape).toEqual([2, 96, 96, 1]);
    expect(x?.dataSync()).toEqual(Float32Array.from(pixels, (p) => p / 255));
    x?.dispose();
  });

  it('leaves no tensors behind, and is absent on cpu', async () => {
    const before = tf.memory().numTensors;
    scalePixelsOnBackend(new Uint8Array(64), [64])?.dispose();
    expect(tf.memory().numTensors).toBe(before);
    await selectBackend('cpu');
    expect(scalePixelsOnBackend(new Uint8Array(64), [64])).toBeNull();
    await selectBackend('wasm');
  });
});
