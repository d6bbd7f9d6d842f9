/**
 * When the coordinator may compute the Watch stream's sample predictions
 * (validation-faces.ts). They run a forward pass on the coordinator's
 * pure-JS backend and hold up its event loop, which every job of a pool
 * shares: while it runs, no job's results are taken in and no worker gets
 * its next task. So one gate serves all the jobs of a coordinator:
 * predictions are made only while a dashboard is watching, and at most
 * about a tenth of the loop's time goes to them, whichever job asks.
 */
export class PredictionGate {
  private notBefore = -Infinity;

  /**
   * @param watching whether a viewer is on the Watch stream now
   * @param now a monotonic clock in milliseconds
   */
  constructor(
    private readonly watching: () => boolean,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Whether predictions are wanted and affordable now. */
  open(): boolean {
    return this.watching() && this.now() >= this.notBefore;
  }

  /** Runs `predict` and closes the gate for ten times as long as it took. */
  spend<T>(predict: () => T): T {
    const started = this.now();
    try {
      return predict();
    } finally {
      this.notBefore = this.now() + 10 * (this.now() - started);
    }
  }
}
