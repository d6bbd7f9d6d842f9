import type { BrowModel } from './face-model.ts';
import type { Layer } from './layer.ts';
import { quadraticPoints, strokePolyline } from './shapes.ts';
import type { Similarity } from './similarity.ts';

const SEGMENTS = 4; // enough: the arc sags under 0.25 px from each chord

/**
 * A brow: a tapering stroke along a quadratic arc from its inner end to its
 * outer end, both in face units (the stroke's centreline ends are the keypoints).
 */
export function drawBrow(albedo: Layer, pose: Similarity, brow: BrowModel, value: number): void {
  const du = brow.outerU - brow.innerU;
  const dv = brow.outerV - brow.innerV;
  const len = Math.hypot(du, dv);
  // The chord's normal that points up the image (v decreasing).
  let nu = dv / len;
  let nv = -du / len;
  if (nv > 0) {
    nu = -nu;
    nv = -nv;
  }
  // A Bezier's peak is half its control point's offset; the arch peaks a little outside the middle.
  const cu = brow.innerU + 0.55 * du + 2 * brow.arch * nu;
  const cv = brow.innerV + 0.55 * dv + 2 * brow.arch * nv;
  const points = quadraticPoints(brow.innerU, brow.innerV, cu, cv, brow.outerU, brow.outerV, SEGMENTS);
  const radii: number[] = [];
  for (let k = 0; k <= SEGMENTS; k++) radii.push((brow.thickness / 2) * browProfile(k / SEGMENTS));
  strokePolyline(albedo, pose, points, radii, value, 0.9, 1.4);
}

/** Relative thickness along the brow: blunt inner end, thickest near it, tapering to the outer end. */
function browProfile(t: number): number {
  return t < 0.15 ? 0.65 + (0.35 * t) / 0.15 : 1 - 0.65 * ((t - 0.15) / 0.85) ** 1.5;
}
