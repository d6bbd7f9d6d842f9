import type { Appearance, MouthModel } from './face-model.ts';
import { lowerLipEdge, openingCurves, upperLipEdge } from './face-frames.ts';
import { SIDE, coverage, pixelBox, type Layer } from './layer.ts';
import { fillEllipse } from './shapes.ts';
import { invert, mapX, mapY, scaleOf, subFrame, type Similarity } from './similarity.ts';

const INSIDE = 0.08;
const TEETH = 0.75;
/** Steeper edges than this are treated as this steep (the lips' edges are vertical at the corners). */
const MAX_SLOPE = 4;

/**
 * The mouth in its frame (see MouthModel): two lips between their outer
 * edges, a dark parting line or an opening with the upper teeth, and a
 * shadow at each corner and under the lower lip.
 */
export function drawMouth(albedo: Layer, frame: Similarity, m: MouthModel, look: Appearance): void {
  const hw = m.halfWidth;
  let top = 0;
  let bottom = 0;
  for (let k = 0; k <= 20; k++) {
    const t = -1 + k / 10;
    top = Math.min(top, upperLipEdge(m, t));
    bottom = Math.max(bottom, lowerLipEdge(m, t));
  }
  const box = pixelBox(frame, -hw - 2, top - 2, hw + 2, bottom + 2);
  if (box) paintLips(albedo, frame, m, look, box.x0, box.y0, box.x1, box.y1);
  const px = scaleOf(frame);
  for (const side of [-1, 1]) fillEllipse(albedo, subFrame(frame, side * hw, 0), 1.3, 1.1, look.lips * 0.5, 0.5, 1.5);
  fillEllipse(albedo, subFrame(frame, 0, lowerLipEdge(m, 0) + 2.2), hw * 0.45, 1.5, look.skin * 0.7, 0.3, 2.5 * px);
}

function paintLips(albedo: Layer, frame: Similarity, m: MouthModel, look: Appearance, x0: number, y0: number, x1: number, y1: number): void {
  const s = scaleOf(frame);
  const inv = invert(frame);
  const hw = m.halfWidth;
  const { top: topCurve, bottom: bottomCurve } = openingCurves(m);
  const upperColour = look.lips * 0.88;
  const lowerColour = Math.min(1, look.lips * 1.08);
  const lineColour = look.lips * 0.4;
  const teeth = m.open > 1.8 ? Math.min(0.45 * m.open, 2.2) : 0;
  for (let row = y0; row < y1; row++) {
    let u = mapX(inv, x0 + 0.5, row + 0.5);
    let v = mapY(inv, x0 + 0.5, row + 0.5);
    const rowStart = row * SIDE;
    for (let col = x0; col < x1; col++, u += inv.a, v += inv.b) {
      const t = Math.max(-1, Math.min(1, u / hw));
      const k = 1 - t * t;
      const root = Math.sqrt(k);
      const top = topCurve * k;
      const bottom = bottomCurve * k;
      // upperLipEdge(m, t) and lowerLipEdge(m, t), inlined: this loop is hot.
      const upper = top - m.upperLip * root;
      const lower = bottom + m.lowerLip * root;
      // Vertical distances to the lip edges, made normal distances by the edges' slopes:
      // d(c k)/dt = -2 c t and d(c sqrt(k))/dt = -c t / sqrt(k).
      const rootSlope = t / Math.max(root, 0.05);
      const slopeUp = Math.min(MAX_SLOPE, Math.abs(-2 * t * topCurve + m.upperLip * rootSlope) / hw);
      const slopeLo = Math.min(MAX_SLOPE, Math.abs(-2 * t * bottomCurve - m.lowerLip * rootSlope) / hw);
      const dUp = (upper - v) / Math.sqrt(1 + slopeUp * slopeUp);
      const dLo = (v - lower) / Math.sqrt(1 + slopeLo * slopeLo);
      const d = Math.max(dUp, dLo, Math.abs(u) - hw);
      const cov = coverage(d * s, 1);
      if (cov === 0) continue;
      const half = 0.5 * (bottom - top);
      const mid = top + half;
      let c = v < mid ? upperColour : lowerColour;
      if (half > 0) {
        const inside = coverage((Math.abs(v - mid) - half) * s, 1);
        const tooth = teeth > 0 && v < top + teeth * k ? TEETH : INSIDE;
        c += (tooth - c) * inside;
      }
      // A thin dark line where the lips meet, or along the inner edges of the lips when parted.
      const parting = coverage((Math.abs(Math.abs(v - mid) - half) - 0.35) * s, 1);
      c += (lineColour - c) * parting * 0.8;
      const i = rowStart + col;
      albedo[i] += (c - albedo[i]) * cov;
    }
  }
}
