import { describe, expect, it } from 'vitest';
import { Backoff } from './reconnect.ts';

describe('Backoff', () => {
  it('doubles up to the maximum, with jitter in [0.5, 1] of the ceiling, and starts over after a reset', () => {
    const top = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 1 });
    expect([1, 2, 3, 4, 5, 6].map(() => top.next())).toEqual([100, 200, 400, 800, 1000, 1000]);
    top.reset();
    expect(top.next()).toBe(100);
    const bottom = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0 });
    expect([bottom.next(), bottom.next()]).toEqual([50, 100]);
  });
});
