/** Helpers shared by this library's tests (not exported from index.ts). */
import { IMAGE_PIXELS, Rng } from '@kfkd/data';

/** n random images (0..255) and n x outputs random targets in [-0.8, 0.8]. */
export function randomBatch(n: number, outputs: number, seed: number): { pixels: Uint8Array; targets: Float32Array } {
  const rng = new Rng(seed);
  const pixels = new Uint8Array(n * IMAGE_PIXELS);
  for (let i = 0; i < pixels.length; i++) pixels[i] = rng.int(256);
  const targets = new Float32Array(n * outputs);
  for (let i = 0; i < targets.length; i++) targets[i] = rng.uniform(-0.8, 0.8);
  return { pixels, targets };
}

/** Rows [from, to) of a batch. */
export function sliceBatch(b: { pixels: Uint8Array; targets: Float32Array }, outputs: number, from: number, to: number): { pixels: Uint8Array; targets: Float32Array } {
  return { pixels: b.pixels.slice(from * IMAGE_PIXELS, to * IMAGE_PIXELS), targets: b.targets.slice(from * outputs, to * outputs) };
}

/** Largest |a - b| / (atol + rtol * |b|) over the arrays; <= 1 means close. */
export function closeness(a: ArrayLike<number>, b: ArrayLike<number>, rtol: number, atol: number): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (atol + rtol * Math.abs(b[i])));
  return worst;
}
