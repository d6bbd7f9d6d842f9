import type { Rng } from '../rng.ts';
import { SIDE, type Layer } from './layer.ts';
import { fillBox, fillEllipse, strokePolyline } from './shapes.ts';
import { similarity } from './similarity.ts';

/** Fills the whole layer with a shaded backdrop and a few random boxes, blobs and lines (drawn behind the head). */
export function drawBackground(rng: Rng, layer: Layer): void {
  const side = SIDE; // a local: see SIDE
  // At most 0.15 either way from a base in [0.15, 0.85]: stays within [0, 1].
  const base = rng.uniform(0.15, 0.85);
  const gx = rng.uniform(-0.3, 0.3) / side;
  const gy = rng.uniform(-0.3, 0.3) / side;
  for (let row = 0; row < side; row++) {
    let v = base - gx * (side / 2) + gy * (row - side / 2);
    for (let i = row * side, end = i + side; i < end; i++, v += gx) layer[i] = v;
  }
  const shapes = 1 + rng.int(6);
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
    strokePolyline(layer, frame, [-half, 0, half, 0], [width, width], value, opacity, edge);
  }
}
