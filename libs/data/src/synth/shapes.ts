import { SIDE, coverage, pixelBox, type Layer } from './layer.ts';
import { invert, mapX, mapY, scaleOf, type Similarity } from './similarity.ts';

// Generic anti-aliased primitives, each defined in the local frame of a
// Similarity and painted by blending `value` into a Layer with `opacity`.
// `edge` is the width in pixels of the anti-aliasing ramp: 1 for a crisp edge,
// more for soft shading. Each primitive evaluates a signed distance only on
// the pixels of its bounding box. (Math.hypot is avoided in the loops: it is
// several times slower than Math.sqrt in V8.)

/** Fills the ellipse of radii (rx, ry) centred on the local origin. */
export function fillEllipse(layer: Layer, t: Similarity, rx: number, ry: number, value: number, opacity = 1, edge = 1): void {
  const s = scaleOf(t);
  const pad = (edge + 1) / s;
  const box = pixelBox(t, -rx - pad, -ry - pad, rx + pad, ry + pad);
  if (!box) return;
  const inv = invert(t);
  const irx2 = 1 / (rx * rx);
  const iry2 = 1 / (ry * ry);
  const [qIn2, qOut2] = ellipseBands(Math.min(rx, ry) * s, edge);
  for (let row = box.y0; row < box.y1; row++) {
    let u = mapX(inv, box.x0 + 0.5, row + 0.5);
    let v = mapY(inv, box.x0 + 0.5, row + 0.5);
    for (let col = box.x0; col < box.x1; col++, u += inv.a, v += inv.b) {
      const q2 = u * u * irx2 + v * v * iry2;
      if (q2 >= qOut2) continue;
      const c = q2 <= qIn2 ? 1 : coverage(ellipseDistance(u, v, irx2, iry2, rx, ry) * s, edge);
      if (c === 0) continue;
      const i = row * SIDE + col;
      layer[i] += (value - layer[i]) * c * opacity;
    }
  }
}

/**
 * Squared normalised radii q^2 = (u/rx)^2 + (v/ry)^2 inside which an ellipse
 * is fully covered and outside which it is not touched, for an edge ramp of
 * `edge` pixels. They follow from: a point at normalised radius q lies at
 * least |q - 1| * (smaller radius) from the outline, since the ellipse holds
 * a disc of that radius.
 */
export function ellipseBands(minRadiusPx: number, edge: number): [number, number] {
  const margin = (0.5 * edge) / minRadiusPx;
  const inner = Math.max(0, 1 - margin);
  return [inner * inner, (1 + margin) * (1 + margin)];
}

/** Approximate signed distance (local units) from (u, v) to an origin-centred ellipse: first-order, exact on the axes. */
export function ellipseDistance(u: number, v: number, irx2: number, iry2: number, rx: number, ry: number): number {
  const q = Math.sqrt(u * u * irx2 + v * v * iry2);
  const g = Math.sqrt(u * u * irx2 * irx2 + v * v * iry2 * iry2);
  return g > 1e-12 ? (q * (q - 1)) / g : -Math.min(rx, ry);
}

/** Fills the rectangle [-hw, hw] x [-hh, hh] with corners rounded by `round`. */
export function fillBox(layer: Layer, t: Similarity, hw: number, hh: number, round: number, value: number, opacity = 1, edge = 1): void {
  const s = scaleOf(t);
  const pad = (edge + 1) / s;
  const box = pixelBox(t, -hw - pad, -hh - pad, hw + pad, hh + pad);
  if (!box) return;
  const inv = invert(t);
  const r = Math.min(round, hw, hh);
  const inner = -r - edge / s; // deeper inside than this along both axes means fully covered
  for (let row = box.y0; row < box.y1; row++) {
    let u = mapX(inv, box.x0 + 0.5, row + 0.5);
    let v = mapY(inv, box.x0 + 0.5, row + 0.5);
    for (let col = box.x0; col < box.x1; col++, u += inv.a, v += inv.b) {
      const qx = Math.abs(u) - hw + r;
      const qy = Math.abs(v) - hh + r;
      if (qx < inner && qy < inner) {
        const i = row * SIDE + col;
        layer[i] += (value - layer[i]) * opacity;
        continue;
      }
      const ox = qx > 0 ? qx : 0;
      const oy = qy > 0 ? qy : 0;
      const outside = Math.sqrt(ox * ox + oy * oy);
      const d = outside + Math.min(Math.max(qx, qy), 0) - r;
      const c = coverage(d * s, edge);
      if (c === 0) continue;
      const i = row * SIDE + col;
      layer[i] += (value - layer[i]) * c * opacity;
    }
  }
}

/**
 * Strokes a polyline `points` = [u0, v0, u1, v1, ...] whose half-width varies
 * linearly between the per-vertex `radii`; joins and ends are round.
 */
export function strokePolyline(
  layer: Layer,
  t: Similarity,
  points: readonly number[],
  radii: readonly number[],
  value: number,
  opacity = 1,
  edge = 1,
): void {
  const n = radii.length;
  if (points.length !== 2 * n || n < 2) throw new RangeError('strokePolyline needs >= 2 points and one radius per point');
  const s = scaleOf(t);
  const pad = Math.max(...radii) + (edge + 1) / s;
  let uMin = Infinity;
  let vMin = Infinity;
  let uMax = -Infinity;
  let vMax = -Infinity;
  for (let k = 0; k < n; k++) {
    uMin = Math.min(uMin, points[2 * k]);
    uMax = Math.max(uMax, points[2 * k]);
    vMin = Math.min(vMin, points[2 * k + 1]);
    vMax = Math.max(vMax, points[2 * k + 1]);
  }
  const box = pixelBox(t, uMin - pad, vMin - pad, uMax + pad, vMax + pad);
  if (!box) return;
  const inv = invert(t);
  for (let row = box.y0; row < box.y1; row++) {
    let u = mapX(inv, box.x0 + 0.5, row + 0.5);
    let v = mapY(inv, box.x0 + 0.5, row + 0.5);
    for (let col = box.x0; col < box.x1; col++, u += inv.a, v += inv.b) {
      // The nearest point of the centreline decides; its radius is interpolated along its segment.
      let best = Infinity;
      let radius = 0;
      for (let k = 0; k + 1 < n; k++) {
        const u0 = points[2 * k];
        const v0 = points[2 * k + 1];
        const du = points[2 * k + 2] - u0;
        const dv = points[2 * k + 3] - v0;
        const len2 = du * du + dv * dv;
        let h = len2 > 0 ? ((u - u0) * du + (v - v0) * dv) / len2 : 0;
        h = h < 0 ? 0 : h > 1 ? 1 : h;
        const eu = u - u0 - h * du;
        const ev = v - v0 - h * dv;
        const dist2 = eu * eu + ev * ev;
        if (dist2 < best) {
          best = dist2;
          radius = radii[k] + (radii[k + 1] - radii[k]) * h;
        }
      }
      const d = Math.sqrt(best) - radius;
      const c = coverage(d * s, edge);
      if (c === 0) continue;
      const i = row * SIDE + col;
      layer[i] += (value - layer[i]) * c * opacity;
    }
  }
}

/** Points of the quadratic Bezier p0 -> (control) -> p2, `segments` + 1 of them, as [u0, v0, u1, v1, ...]. */
export function quadraticPoints(
  u0: number, v0: number, uc: number, vc: number, u2: number, v2: number, segments: number,
): number[] {
  const pts: number[] = [];
  for (let k = 0; k <= segments; k++) {
    const t = k / segments;
    const w0 = (1 - t) * (1 - t);
    const w1 = 2 * t * (1 - t);
    const w2 = t * t;
    pts.push(w0 * u0 + w1 * uc + w2 * u2, w0 * v0 + w1 * vc + w2 * v2);
  }
  return pts;
}
