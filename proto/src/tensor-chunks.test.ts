import { describe, expect, it } from 'vitest';
import { TENSOR_CHUNK_BYTES, TensorAssembly, tensorChunks } from './tensor-chunks.ts';

const ramp = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => i * 0.5 - 7);

describe('tensor chunks', () => {
  it('cut a vector into views of at most TENSOR_CHUNK_BYTES, in order', () => {
    const values = ramp(TENSOR_CHUNK_BYTES / 4 + 3);
    const chunks = tensorChunks(values);
    expect(chunks.map((c) => [c.offset, c.values.byteLength])).toEqual([
      [0, TENSOR_CHUNK_BYTES],
      [TENSOR_CHUNK_BYTES / 4, 12],
    ]);
    expect(chunks[1].values.buffer).toBe(values.buffer);
    expect(tensorChunks(new Float32Array(0))).toEqual([{ offset: 0, values: Buffer.alloc(0) }]);
  });

  it('reassemble into the destination, from unaligned bytes too', () => {
    const values = ramp(10);
    const destination = new Float32Array(10);
    const assembly = new TensorAssembly(destination);
    for (const { offset, values: bytes } of tensorChunks(values, 12)) {
      // Received chunks are slices of a bigger message at any byte offset.
      const unaligned = Buffer.concat([Buffer.alloc(1), bytes]).subarray(1);
      expect(assembly.add(offset, unaligned)).toBeNull();
    }
    expect(assembly.complete).toBe(true);
    expect([...destination]).toEqual([...values]);
  });

  it('refuse chunks out of order, too long or not whole float32, copying nothing', () => {
    const destination = new Float32Array(4);
    const assembly = new TensorAssembly(destination);
    const two = Buffer.from(Float32Array.of(1, 2).buffer);
    expect(assembly.add(2, two)).toMatch(/chunk at value 2, expected 0/);
    expect(assembly.add(0, two)).toBeNull();
    expect(assembly.add(0, two)).toMatch(/expected 2/);
    expect(assembly.add(2, Buffer.alloc(6))).toMatch(/not a whole number of float32/);
    expect(assembly.add(2, Buffer.alloc(12))).toMatch(/ends at value 5, the vector has 4/);
    expect(assembly.received).toBe(2);
    expect(assembly.complete).toBe(false);
    expect([...destination]).toEqual([1, 2, 0, 0]);
  });
});
