/**
 * Time as the coordinator's decisions see it: task deadlines, heartbeat
 * checks and the shutdown timer all go through one Clock, so tests drive
 * them with a fake one (testing.ts) instead of waiting. Durations that are
 * only measured (task seconds, step phases) keep using performance.now().
 */

/** A scheduled callback that has not run yet. */
export interface Timer {
  /** The callback will not run (no-op once it ran). */
  cancel(): void;
}

export interface TimerOptions {
  /** The timer does not keep the process alive (Node's `unref`). */
  readonly unref?: boolean;
}

export interface Clock {
  /** Milliseconds since the epoch (Date.now() for the real clock). */
  now(): number;
  /** Runs `callback` once, `delayMs` from now. */
  schedule(delayMs: number, callback: () => void, options?: TimerOptions): Timer;
}

/** Node's timers and Date.now(). */
export const realClock: Clock = {
  now: () => Date.now(),
  schedule(delayMs, callback, options) {
    const timeout = setTimeout(callback, delayMs);
    if (options?.unref) timeout.unref();
    return { cancel: () => clearTimeout(timeout) };
  },
};

/** Runs `callback` every `periodMs` until the returned timer is cancelled. */
export function every(clock: Clock, periodMs: number, callback: () => void): Timer {
  let next: Timer;
  let cancelled = false;
  const tick = (): void => {
    if (cancelled) return;
    next = clock.schedule(periodMs, tick);
    callback();
  };
  next = clock.schedule(periodMs, tick);
  return {
    cancel: () => {
      cancelled = true;
      next.cancel();
    },
  };
}
