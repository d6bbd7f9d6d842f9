import { describe, expect, it } from 'vitest';
import { Backoff, backoffDelay } from './backoff.ts';

const options = { initialMs: 100, maxMs: 1000, jitter: 0.5 };

describe('backoffDelay', () => {
  it('doubles from the initial delay up to the maximum, and stays there however many attempts failed', () => {
    expect([0, 1, 2, 3, 4, 5, 40, 5000].map((attempt) => backoffDelay(attempt, options, () => 0))).toEqual([100, 200, 400, 800, 1000, 1000, 1000, 1000]);
  });

  it('takes at most `jitter` of the delay off, by the random draw', () => {
    expect(backoffDelay(3, options, () => 0)).toBe(800);
    expect(backoffDelay(3, options, () => 0.5)).toBe(600);
    expect(backoffDelay(3, options, () => 0.999999)).toBe(400);
    expect(backoffDelay(3, { ...options, jitter: 0 }, () => 0.9)).toBe(800);
    for (let i = 0; i < 100; i++) {
      const delay = backoffDelay(2, { initialMs: 250, maxMs: 10_000, jitter: 0.2 });
      expect(delay).toBeGreaterThanOrEqual(800);
      expect(delay).toBeLessThanOrEqual(1000);
    }
  });
});

describe('Backoff', () => {
  it('counts the attempts, and starts over after a reset', () => {
    const backoff = new Backoff(options, () => 0);
    expect([1, 2, 3, 4, 5].map(() => backoff.next())).toEqual([100, 200, 400, 800, 1000]);
    backoff.reset();
    expect([backoff.next(), backoff.next()]).toEqual([100, 200]);
  });

  it('keeps the maximum after many failures (the count does not overflow)', () => {
    const backoff = new Backoff(options, () => 0);
    for (let i = 0; i < 2000; i++) backoff.next();
    expect(backoff.next()).toBe(1000);
  });
});
