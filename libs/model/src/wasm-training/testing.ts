/** Helpers shared by the wasm-training tests (not exported from the package). */

/** ||a - b|| / ||b|| (0 when both are 0; Infinity when the lengths differ). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < a.length; i++) {
    diff += (a[i] - b[i]) ** 2;
    norm += b[i] ** 2;
  }
  return norm === 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
}

/**
 * Lets the event loop run. vitest's worker must answer its runner within 60 s
 * (a fixed RPC timeout, vitest-dev/vitest#6479): a test that computes for
 * longer in one go (a net's stock-cpu gradient, hundreds of training steps on
 * a busy 2-core machine) fails the run although every assertion passed.
 */
export const breathe = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
