import type { Appearance, EyeModel } from './face-model.ts';
import { SIDE, coverage, pixelBox, type Layer } from './layer.ts';
import { fillEllipse } from './shapes.ts';
import { invert, mapX, mapY, scaleOf, subFrame, type Similarity } from './similarity.ts';

const PUPIL = 0.03;

/** The shadowed hollow around an eye; drawn before the brows so they stay on top. */
export function drawEyeSocket(albedo: Layer, frame: Similarity, eye: EyeModel, look: Appearance): void {
  fillEllipse(albedo, subFrame(frame, 0, -0.8), eye.halfWidth * 1.4, eye.halfWidth * 0.85, look.skin * 0.7, 0.35, 3 * scaleOf(frame));
}

/**
 * The eye in its frame: an almond opening bounded by two circular arcs that
 * meet at the corners (+-halfWidth, 0); inside it the sclera, the iris and the
 * pupil centred on (pupilU, pupilV), shadowed under the upper lid; a lash line
 * along the upper lid.
 */
export function drawEye(albedo: Layer, frame: Similarity, eye: EyeModel, look: Appearance): void {
  const w = eye.halfWidth;
  const upperR = (w * w + eye.upperLid * eye.upperLid) / (2 * eye.upperLid);
  const upperC = upperR - eye.upperLid; // centre of the upper arc, below the axis
  const lowerR = (w * w + eye.lowerLid * eye.lowerLid) / (2 * eye.lowerLid);
  const lowerC = eye.lowerLid - lowerR; // centre of the lower arc, above the axis
  const box = pixelBox(frame, -w - 2, -eye.upperLid - 3, w + 2, eye.lowerLid + 2);
  if (!box) return;
  const s = scaleOf(frame);
  const inv = invert(frame);
  const lash = 0.55 / s + 0.25; // half-width of the lash line, local units
  for (let row = box.y0; row < box.y1; row++) {
    let u = mapX(inv, box.x0 + 0.5, row + 0.5);
    let v = mapY(inv, box.x0 + 0.5, row + 0.5);
    const rowStart = row * SIDE;
    for (let col = box.x0; col < box.x1; col++, u += inv.a, v += inv.b) {
      const dUpper = Math.sqrt(u * u + (v - upperC) * (v - upperC)) - upperR;
      const dLower = Math.sqrt(u * u + (v - lowerC) * (v - lowerC)) - lowerR;
      const i = rowStart + col;
      const open = coverage(Math.max(dUpper, dLower) * s, 1);
      if (open > 0) {
        const across = u / w;
        let c = look.sclera * (0.8 + 0.2 * (1 - across * across));
        const pu = u - eye.pupilU;
        const pv = v - eye.pupilV;
        const r = Math.sqrt(pu * pu + pv * pv);
        const iris = look.iris * (1.15 - 0.45 * (r / eye.irisRadius)); // darker towards the rim
        c += (iris - c) * coverage((r - eye.irisRadius) * s, 1);
        c += (PUPIL - c) * coverage((r - eye.pupilRadius) * s, 1);
        const lidShadow = coverage((-dUpper * s - 1) / 1.5, 1);
        c *= 1 - 0.35 * lidShadow;
        albedo[i] += (c - albedo[i]) * open;
      }
      // The lash line straddles the upper arc, and stops at the corners.
      const lashCov = coverage(Math.max(Math.abs(dUpper + 0.3 * lash) - lash, dLower - 0.2) * s, 1);
      if (lashCov > 0) albedo[i] += (look.lash - albedo[i]) * lashCov * 0.9;
      const lowerLine = coverage(Math.max(Math.abs(dLower) - 0.35, dUpper) * s, 1);
      if (lowerLine > 0) albedo[i] += (look.lash - albedo[i]) * lowerLine * 0.25;
    }
  }
  if (look.eyeShine) {
    const shine = subFrame(frame, eye.pupilU + 0.3 * eye.irisRadius, eye.pupilV - 0.3 * eye.irisRadius);
    fillEllipse(albedo, shine, 0.55, 0.55, 0.95, 0.7);
  }
}
