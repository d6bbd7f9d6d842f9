import type { Rng } from '../rng.ts';
import { SIDE, type Layer } from './layer.ts';

/** Spread of the sum of two uniform bytes: a cheap bell-ish (triangular) grain. */
const TWO_BYTE_SD = Math.sqrt((2 * (256 * 256 - 1)) / 12);

/**
 * Turns albedo x shade into 8-bit pixels the way a cheap camera would: a
 * little blur, a lighting gradient across the frame, random exposure and
 * contrast, and sensor noise. `scratch` is a spare layer.
 */
export function expose(rng: Rng, albedo: Layer, shade: Layer, scratch: Layer, pixels: Uint8Array): void {
  const side = SIDE; // a local: see SIDE
  const blur = rng.next() < 0.5 ? rng.uniform(0.3, 1) : 0;
  if (blur > 0) blurRows(albedo, shade, scratch);
  const strength = rng.uniform(0, 0.5);
  const angle = rng.uniform(0, 2 * Math.PI);
  const gx = (strength * Math.cos(angle)) / side;
  const gy = (strength * Math.sin(angle)) / side;
  const gain = 255 * rng.uniform(0.8, 1.2);
  const bias = 255 * rng.uniform(-0.08, 0.1);
  const noise = rng.uniform(1, 7) / TWO_BYTE_SD;
  // Grain needs a draw per two pixels; a xorshift32 seeded from rng keeps its
  // state in a local, several times faster than calling rng that often.
  let state = rng.nextUint32() | 1;
  let bits = 0;
  for (let row = 0; row < side; row++) {
    const o = row * side;
    const up = row > 0 ? o - side : o;
    const down = row < side - 1 ? o + side : o;
    let exposure = (1 - gx * (side / 2) + gy * (row - side / 2)) * gain;
    const exposureStep = gx * gain;
    for (let col = 0; col < side; col++, exposure += exposureStep) {
      const i = o + col;
      let v = albedo[i] * shade[i];
      if (blur > 0) {
        // Second half of the separable 3x3 binomial blur: down the columns of the row-blurred scratch.
        const blurred = 0.25 * (scratch[up + col] + scratch[down + col]) + 0.5 * scratch[i];
        v += (blurred - v) * blur;
      }
      v *= exposure;
      if ((col & 1) === 0) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        bits = state >>> 0;
      } else {
        bits >>>= 16;
      }
      v += bias + ((bits & 255) + ((bits >>> 8) & 255) - 255) * noise;
      pixels[i] = v <= 0 ? 0 : v >= 255 ? 255 : (v + 0.5) | 0;
    }
  }
}

/** First half of the 3x3 binomial blur of albedo x shade: along the rows, into `out`. */
function blurRows(albedo: Layer, shade: Layer, out: Layer): void {
  const side = SIDE;
  for (let row = 0; row < side; row++) {
    const o = row * side;
    for (let col = 0; col < side; col++) {
      const l = o + (col > 0 ? col - 1 : col);
      const r = o + (col < side - 1 ? col + 1 : col);
      out[o + col] = 0.25 * (albedo[l] * shade[l] + albedo[r] * shade[r]) + 0.5 * albedo[o + col] * shade[o + col];
    }
  }
}
