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
    const rowStart = row * SIDE;
    for (let col = box.x0; col < box.x1; col++, u += inv.a, v += inv.b) {
      const q2 = u * u * irx2 + v * v * iry2;
      if (q2 >= qOut2) continue;
      const c = q2 <= qIn2 ? 1 : coverage(ellipseDistance(u, v, irx2, iry2, rx, ry) * s, edge);
      if (c === 0) continue;
      const i = rowStart + col;
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
  const inner = Math.min(0, r - (0.5 * edge) / s); // at least this deep inside along both axes: fully covered
  for (let row = box.y0; row < box.y1; row++) {
    let u = mapX(inv, box.x0 + 0.5, row + 0.5);
    let v = mapY(inv, box.x0 + 0.5, row + 0.5);
    const rowStart = row * SIDE;
    for (let col = box.x0; col < box.x1; col++, u += inv.a, v += inv.b) {
      const qx = Math.abs(u) - hw + r;
      const qy = Math.abs(v) - hh + r;
      if (qx < inner && qy < inner) {
        const i = rowStart + col;
        layer[i] += (value - layer[i]) * opacity;
        continue;
      }
      const ox = qx > 0 ? qx : 0;
      const oy = qy > 0 ? qy : 0;
      const outside = Math.sqrt(ox * ox + oy * oy);
      const d = outside + Math.min(Math.max(qx, qy), 0) - r;
      const c = coverage(d * s, edge);
      if (c === 0) continue;
      const i = rowStart + col;
      layer[i] += (value - layer[i]) * c * opacity;
    }
  }
}

const SEGMENT_FIELDS = 7;

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
  // Per segment: start, direction, 1/length^2, start radius, radius change.
  const segs = new Float64Array(SEGMENT_FIELDS * (n - 1));
  for (let k = 0, o = 0; k + 1 < n; k++, o += SEGMENT_FIELDS) {
    const du = points[2 * k + 2] - points[2 * k];
    const dv = points[2 * k + 3] - points[2 * k + 1];
    const len2 = du * du + dv * dv;
    segs[o] = points[2 * k];
    segs[o + 1] = points[2 * k + 1];
    segs[o + 2] = du;
    segs[o + 3] = dv;
    segs[o + 4] = len2 > 0 ? 1 / len2 : 0;
    segs[o + 5] = radii[k];
    segs[o + 6] = radii[k + 1] - radii[k];
  }
  const inv = invert(t);
  for (let row = box.y0; row < box.y1; row++) {
    let u = mapX(inv, box.x0 + 0.5, row + 0.5);
    let v = mapY(inv, box.x0 + 0.5, row + 0.5);
    const rowStart = row * SIDE;
    for (let col = box.x0; col < box.x1; col++, u += inv.a, v += inv.b) {
      // The nearest point of the centreline decides; its radius is interpolated along its segment.
      let best = Infinity;
      let radius = 0;
      for (let o = 0; o < segs.length; o += SEGMENT_FIELDS) {
        const pu = u - segs[o];
        const pv = v - segs[o + 1];
        const du = segs[o + 2];
        const dv = segs[o + 3];
        let h = (pu * du + pv * dv) * segs[o + 4];
        h = h < 0 ? 0 : h > 1 ? 1 : h;
        const eu = pu - h * du;
        const ev = pv - h * dv;
        const dist2 = eu * eu + ev * ev;
        if (dist2 < best) {
          best = dist2;
          radius = segs[o + 5] + segs[o + 6] * h;
        }
      }
      const d = Math.sqrt(best) - radius;
      const c = coverage(d * s, edge);
      if (c === 0) continue;
      const i = rowStart + col;
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
