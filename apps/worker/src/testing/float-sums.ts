/**
 * For tests of summing gradients through a ring (the worker's unit tests and
 * the cli's tests with real workers): values whose float32 sum depends on
 * the order they are added in, the star's sum of them, and a bit-for-bit
 * comparison.
 */

/** `length` values whose float32 sums round differently in another order or in float64: the sum order matters. */
export function orderSensitiveValues(seed: number, length: number): Float32Array {
  let state = seed * 2654435761;
  const random = (): number => {
    state = (state * 1103515245 + 12345) >>> 0;
    return state / 2 ** 32;
  };
  return Float32Array.from({ length }, () => (random() - 0.5) * 10 ** Math.floor(random() * 8 - 4));
}

/** What the star sums at the coordinator: part 0, then each next part added in float32. */
export function sequentialSum(parts: readonly Float32Array[]): Float32Array {
  const sum = parts[0].slice();
  for (const part of parts.slice(1)) for (let i = 0; i < sum.length; i++) sum[i] = sum[i] + part[i];
  return sum;
}

/** The first index where the two differ in any bit (or in length), -1 when they are the same bit for bit. (toEqual on a million values is slow.) */
export function firstDifference(a: Float32Array, b: Float32Array): number {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return i;
  return x.length === y.length ? -1 : Math.min(x.length, y.length);
}
