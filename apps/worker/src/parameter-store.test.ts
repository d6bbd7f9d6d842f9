import { tensorChunks } from '@kfkd/proto';
import { describe, expect, it } from 'vitest';
import { type ChunkIn, type ParameterSource, ParameterStore } from './parameter-store.ts';

/** `values` of `version` in chunks of two values. */
const chunks = (version: number, values: number[]): ChunkIn[] => tensorChunks(Float32Array.from(values), 8).map((c) => ({ version, offset: c.offset, values: c.values }));
const coordinator = (): ParameterSource => ({ transfer: null, fromPeer: false });
const peer = (): ParameterSource => ({ transfer: null, fromPeer: true });

describe('ParameterStore', () => {
  it('puts a version together from its chunks in order and refuses a chunk out of order', () => {
    const store = new ParameterStore(new Float32Array(5));
    const source = coordinator();
    const [first, second, third] = chunks(1, [1, 2, 3, 4, 5]);
    expect(store.receive(source, second)).toEqual({ kind: 'problem', problem: 'chunk at value 2, expected 0' });
    expect(store.receive(source, first)).toEqual({ kind: 'stored' });
    expect(store.receive(source, third)).toEqual({ kind: 'problem', problem: 'chunk at value 4, expected 2' });
    expect(store.receive(source, second)).toEqual({ kind: 'stored' });
    expect(store.completeVersion).toBeNull();
    expect(store.receive(source, third)).toEqual({ kind: 'stored' });
    expect(store.completeVersion).toBe(1);
    expect([...store.values]).toEqual([1, 2, 3, 4, 5]);
  });

  it('keeps the version held while the same version is sent again, and starts over for another version', () => {
    const store = new ParameterStore(new Float32Array(4));
    const first = coordinator();
    for (const chunk of chunks(1, [1, 2, 3, 4])) store.receive(first, chunk);
    const again = peer();
    const [a, b] = chunks(1, [1, 2, 3, 4]);
    store.receive(again, a);
    expect(store.completeVersion).toBe(1);
    store.receive(again, b);
    const next = peer();
    store.receive(next, chunks(2, [9, 8, 7, 6])[0]);
    expect(store.version).toBe(2);
    expect(store.completeVersion).toBeNull();
    expect(store.received).toBe(2);
  });

  it('calls a chunk of a replaced version stale without storing it', () => {
    const store = new ParameterStore(new Float32Array(4));
    const old = peer();
    const [a1, b1] = chunks(1, [1, 2, 3, 4]);
    store.receive(old, a1);
    store.receive(coordinator(), chunks(2, [5, 6, 7, 8])[0]);
    expect(store.receive(old, b1)).toEqual({ kind: 'stale' });
    expect([...store.values]).toEqual([5, 6, 0, 0]);
    expect(store.received).toBe(2);
  });

  it("lets a round claim a peer's transfer that came before it, but only the coordinator's that begin after it, once", () => {
    const store = new ParameterStore(new Float32Array(2));
    store.receive(coordinator(), chunks(1, [1, 2])[0]);
    const since = store.transfersBegun;
    expect(store.claim(1, since)).toBeNull();
    store.receive(coordinator(), chunks(1, [1, 2])[0]);
    expect(store.claim(1, since)?.serial).toBe(2);
    expect(store.claim(1, since)).toBeNull();
    store.receive(peer(), chunks(3, [1, 2])[0]);
    expect(store.claim(2, store.transfersBegun)).toBeNull();
    expect(store.claim(3, store.transfersBegun)?.fromPeer).toBe(true);
  });
});
