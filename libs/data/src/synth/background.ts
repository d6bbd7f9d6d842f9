import type { Rng } from '../rng.ts';
import { SIDE, type Layer } from './layer.ts';
import { fillBox, fillEllipse, strokePolyline } from './shapes.ts';
import { similarity } from './similarity.ts';

/** Fills the whole layer with a shaded backdrop and a few random boxes, blobs and lines (drawn behind the head). */
export function drawBackground(rng: Rng, layer: Layer): void {
  const base = rng.uniform(0.1, 0.9);
  const gx = rng.uniform(-0.3, 0.3) / SIDE;
  const gy = rng.uniform(-0.3, 0.3) / SIDE;
  for (let row = 0; row < SIDE; row++) {
    for (let col = 0; col < SIDE; col++) {
      const v = base + gx * (col - SIDE / 2) + gy * (row - SIDE / 2);
      layer[row * SIDE + col] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  }
  const shapes = 2 + rng.int(6);
  for (let k = 0; k < shapes; k++) drawClutter(rng, layer);
}

function drawClutter(rng: Rng, layer: Layer): void {
  const kind = rng.int(3);
  const frame = similarity(1, rng.uniform(0, Math.PI), rng.uniform(-10, SIDE + 10), rng.uniform(-10, SIDE + 10));
  const value = rng.next();
  const opacity = rng.uniform(0.4, 1);
  const edge = rng.uniform(1, 2.5);
  if (kind === 0) {
    fillBox(layer, frame, rng.uniform(2, 18), rng.uniform(2, 18), rng.uniform(0, 4), value, opacity, edge);
  } else if (kind === 1) {
    fillEllipse(layer, frame, rng.uniform(2, 16), rng.uniform(2, 16), value, opacity, edge);
  } else {
    const half = rng.uniform(6, 30);
    const width = rng.uniform(0.4, 2);
    strokePolyline(layer, frame, [-half, 0, 0, rng.uniform(-8, 8), half, rng.uniform(-8, 8)], [width, width, width], value, opacity, edge);
  }
}
