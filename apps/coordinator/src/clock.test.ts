import { describe, expect, it } from 'vitest';
import { every, realClock } from './clock.ts';
import { FakeClock } from './testing.ts';

describe('Clock', () => {
  it('every() repeats on the clock until cancelled', () => {
    const clock = new FakeClock(0);
    const ticks: number[] = [];
    const timer = every(clock, 250, () => ticks.push(clock.now()));
    clock.advance(1000);
    expect(ticks).toEqual([250, 500, 750, 1000]);
    timer.cancel();
    clock.advance(1000);
    expect(ticks).toHaveLength(4);
    expect(clock.pending).toBe(0);
  });

  it('the real clock runs a timer once and cancels one that has not run', async () => {
    const ran: string[] = [];
    realClock.schedule(1, () => ran.push('kept'));
    realClock.schedule(1, () => ran.push('cancelled')).cancel();
    realClock.schedule(1, () => ran.push('unref'), { unref: true });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ran.sort()).toEqual(['kept', 'unref']);
    expect(Math.abs(realClock.now() - Date.now())).toBeLessThan(50);
  });
});
