import { describe, expect, it } from 'vitest';
import { MissingRowsError } from './errors.ts';
import { ShardStore } from './shard-store.ts';

describe('ShardStore', () => {
  it('assembles batches from the rows it was sent, and forgets dropped ones', () => {
    const store = new ShardStore(2);
    const pixels = new Uint8Array(2 * 9216);
    pixels[0] = 7;
    pixels[9216] = 9;
    store.add('train', [5, 8], pixels, Float32Array.from([1, 2, 3, 4]));
    const batch = store.batch('train', [8, 5]);
    expect(batch.pixels[0]).toBe(9);
    expect(batch.pixels[9216]).toBe(7);
    expect([...batch.targets]).toEqual([3, 4, 1, 2]);
    store.drop('train', [5]);
    expect(() => store.batch('train', [5])).toThrow(MissingRowsError);
    expect(() => store.batch('valid', [8])).toThrow(MissingRowsError);
  });

  it('refuses sizes that do not match', () => {
    expect(() => new ShardStore(2).add('train', [1], new Uint8Array(10), new Float32Array(2))).toThrow(RangeError);
  });
});
