/**
 * The worker's reconnection delays (the mechanism is @kfkd/runtime's
 * Backoff): 0.5 s, 1 s, 2 s, ... up to 10 s, each scaled by a random factor
 * in [0.5, 1] so that workers restarted together do not reconnect in
 * lockstep.
 */
import { type BackoffOptions as Delays, Backoff as ExponentialBackoff } from '@kfkd/runtime';

export interface BackoffOptions {
  readonly initialMs?: number;
  readonly maxMs?: number;
  /** Where in [0.5, 1] of the ceiling a delay falls: 1 at the ceiling, 0 at half of it. */
  readonly random?: () => number;
}

export const RECONNECT_DELAYS: Delays = { initialMs: 500, maxMs: 10_000, jitter: 0.5 };

export class Backoff extends ExponentialBackoff {
  constructor(options: BackoffOptions = {}) {
    const random = options.random ?? Math.random;
    // The shared draw says how much jitter takes off (0: nothing); this one where the delay falls (1: at the ceiling).
    super({ ...RECONNECT_DELAYS, initialMs: options.initialMs ?? RECONNECT_DELAYS.initialMs, maxMs: options.maxMs ?? RECONNECT_DELAYS.maxMs }, () => 1 - random());
  }
}
