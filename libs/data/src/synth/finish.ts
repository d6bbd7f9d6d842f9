import type { Rng } from '../rng.ts';
import { SIDE, type Layer } from './layer.ts';

/** Spread of the sum of four uniform bytes, used as a cheap near-Gaussian. */
const FOUR_BYTE_SD = Math.sqrt((4 * (256 * 256 - 1)) / 12);

/**
 * Turns albedo x shade into 8-bit pixels the way a cheap camera would: a
 * little blur, a lighting gradient across the frame, random exposure and
 * contrast, and sensor noise. `scratch` is a spare layer.
 */
export function expose(rng: Rng, albedo: Layer, shade: Layer, scratch: Layer, pixels: Uint8Array): void {
  const n = SIDE * SIDE;
  for (let i = 0; i < n; i++) albedo[i] *= shade[i];
  const blur = rng.next() < 0.6 ? rng.uniform(0.3, 1) : 0;
  if (blur > 0) blurInPlace(albedo, scratch, blur);
  const strength = rng.uniform(0, 0.5);
  const angle = rng.uniform(0, 2 * Math.PI);
  const gx = (strength * Math.cos(angle)) / SIDE;
  const gy = (strength * Math.sin(angle)) / SIDE;
  const gain = 255 * rng.uniform(0.8, 1.2);
  const bias = 255 * rng.uniform(-0.08, 0.1);
  const noise = rng.uniform(1, 7) / FOUR_BYTE_SD;
  // Grain needs a draw per pixel; a xorshift32 seeded from rng keeps its state
  // in a local, several times faster than calling rng per pixel.
  let state = rng.nextUint32() | 1;
  for (let row = 0; row < SIDE; row++) {
    for (let col = 0; col < SIDE; col++) {
      const i = row * SIDE + col;
      const light = 1 + gx * (col - SIDE / 2) + gy * (row - SIDE / 2);
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      const r = state >>> 0;
      const grain = (r & 255) + ((r >>> 8) & 255) + ((r >>> 16) & 255) + (r >>> 24) - 510;
      const v = albedo[i] * light * gain + bias + grain * noise;
      pixels[i] = v <= 0 ? 0 : v >= 255 ? 255 : (v + 0.5) | 0;
    }
  }
}

/** Mixes the layer with its 3x3 binomial blur by `amount` (0 = sharp, 1 = fully blurred). */
function blurInPlace(layer: Layer, scratch: Layer, amount: number): void {
  for (let row = 0; row < SIDE; row++) {
    const o = row * SIDE;
    for (let col = 0; col < SIDE; col++) {
      const l = layer[o + (col > 0 ? col - 1 : col)];
      const r = layer[o + (col < SIDE - 1 ? col + 1 : col)];
      scratch[o + col] = 0.25 * (l + r) + 0.5 * layer[o + col];
    }
  }
  for (let row = 0; row < SIDE; row++) {
    const up = (row > 0 ? row - 1 : row) * SIDE;
    const down = (row < SIDE - 1 ? row + 1 : row) * SIDE;
    const o = row * SIDE;
    for (let col = 0; col < SIDE; col++) {
      const blurred = 0.25 * (scratch[up + col] + scratch[down + col]) + 0.5 * scratch[o + col];
      layer[o + col] += (blurred - layer[o + col]) * amount;
    }
  }
}
