/**
 * Exponential backoff with jitter between reconnection attempts, for every
 * client that reconnects (the worker and the dashboard to the coordinator,
 * the dashboard's page to the dashboard): attempt n (0-based) waits up to
 * min(maxMs, initialMs * 2^n), scaled by a random factor in [1 - jitter, 1]
 * so that clients restarted together do not retry in step.
 *
 * Pure TypeScript without node: imports: the dashboard's page bundles this
 * file (through the '@kfkd/runtime/backoff' export, not the package index).
 */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  /** 0..1: the delay is scaled by a random factor in [1 - jitter, 1]. */
  readonly jitter: number;
}

/** Doublings beyond this cannot matter (2^30 times any initial delay is past any maximum). */
const MAX_DOUBLINGS = 30;

/** The delay before attempt `attempt` (0-based); `random` in [0, 1) takes up to `jitter` of it off (0: none). */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, MAX_DOUBLINGS));
  return Math.round(ceiling * (1 - options.jitter * random()));
}

/** backoffDelay with its attempt counted: next() for each retry, reset() once connected again. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly options: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt. */
  next(): number {
    const delay = backoffDelay(this.attempt, this.options, this.random);
    this.attempt = Math.min(this.attempt + 1, MAX_DOUBLINGS);
    return delay;
  }

  /** After a successful connection: the next delay is the initial one again. */
  reset(): void {
    this.attempt = 0;
  }
}
