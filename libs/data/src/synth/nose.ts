import type { Appearance, NoseModel } from './face-model.ts';
import type { Layer } from './layer.ts';
import { fillEllipse, strokePolyline } from './shapes.ts';
import { scaleOf, subFrame, type Similarity } from './similarity.ts';

/** The nose in a frame centred on its tip: bridge shading, a highlight on the tip, the wings and the nostrils. */
export function drawNose(albedo: Layer, frame: Similarity, nose: NoseModel, look: Appearance): void {
  const w = nose.width;
  const skin = look.skin;
  const px = scaleOf(frame);
  for (const side of [-1, 1]) {
    strokePolyline(albedo, frame, [side * 3 * w, -nose.length, side * 4 * w, -4], [1.2, 1.6], skin * 0.7, 0.3, 3 * px);
  }
  fillEllipse(albedo, subFrame(frame, 0, -0.8), 3.2 * w, 2.8 * w, Math.min(1, skin * 1.25), 0.45, 3 * px);
  fillEllipse(albedo, subFrame(frame, 0, 4.3 * w), 4.5 * w, 1.3, skin * 0.6, 0.35, 2 * px);
  for (const side of [-1, 1]) {
    const wing = [side * 2.8 * w, -3.5 * w, side * 5 * w, -1 * w, side * 5.2 * w, 1.5 * w, side * 3.6 * w, 2.9 * w];
    strokePolyline(albedo, frame, wing, [0.4, 0.6, 0.6, 0.5], skin * 0.45, 0.7, 1.2);
    fillEllipse(albedo, subFrame(frame, side * 2.5 * w, 2.3 * w, side * 0.35), 1.8 * w, 1.0 * w, skin * 0.18, 0.9);
  }
}
