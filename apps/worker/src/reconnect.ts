/**
 * Exponential backoff with jitter between reconnection attempts (pure apart
 * from the injected random source): 0.5 s, 1 s, 2 s, ... up to 10 s, each
 * scaled by a random factor in [0.5, 1] so that workers restarted together
 * do not reconnect in lockstep.
 */
export interface BackoffOptions {
  readonly initialMs?: number;
  readonly maxMs?: number;
  readonly random?: () => number;
}

export class Backoff {
  private attempt = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 500;
    this.maxMs = options.maxMs ?? 10_000;
    this.random = options.random ?? Math.random;
  }

  /** The delay before the next attempt. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.initialMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.round(ceiling * (0.5 + 0.5 * this.random()));
  }

  /** After a successful join. */
  reset(): void {
    this.attempt = 0;
  }
}
