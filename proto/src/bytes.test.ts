import { describe, expect, it } from 'vitest';
import { float32Bytes, float32sOf } from './bytes.ts';

describe('float32 bytes', () => {
  it('views aligned bytes without copying', () => {
    const values = Float32Array.of(1, -2.5, 3);
    const back = float32sOf(float32Bytes(values))!;
    expect([...back]).toEqual([1, -2.5, 3]);
    values[0] = 7;
    expect(back[0]).toBe(7);
  });

  it('copies misaligned bytes into an aligned array', () => {
    const raw = Buffer.alloc(13);
    Buffer.from(Float32Array.of(1.5, -3, 1e-7).buffer).copy(raw, 1);
    const back = float32sOf(raw.subarray(1))!;
    expect(back.byteOffset % 4).toBe(0);
    expect([...back]).toEqual([1.5, -3, Math.fround(1e-7)]);
    raw[1] = 0xff;
    expect(back[0]).toBe(1.5);
  });

  it('refuses a length that is not a multiple of 4', () => {
    expect(float32sOf(Buffer.alloc(6))).toBeNull();
  });
});
