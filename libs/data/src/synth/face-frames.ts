import type { EyeModel, FaceModel, MouthModel } from './face-model.ts';
import { subFrame, type Similarity } from './similarity.ts';

// The frames and outlines shared by the drawing code and the keypoint code,
// so that a keypoint is, by construction, where its feature is drawn.

export function eyeFrame(pose: Similarity, eye: EyeModel): Similarity {
  return subFrame(pose, eye.u, eye.v, eye.angle);
}

export function mouthFrame(pose: Similarity, mouth: MouthModel): Similarity {
  return subFrame(pose, mouth.u, mouth.v, mouth.angle);
}

export function noseFrame(face: FaceModel): Similarity {
  return subFrame(face.pose, face.nose.u, face.nose.v);
}

/** Share of an opening that comes from the jaw dropping rather than the upper lip rising. */
const JAW_SHARE = 0.75;

/**
 * The opening's top and bottom edges (the lips' inner edges) are `top * k`
 * and `bottom * k` with k = 1 - t^2; both equal the midline when closed.
 */
export function openingCurves(m: MouthModel): { top: number; bottom: number } {
  return { top: m.smile - (1 - JAW_SHARE) * m.open, bottom: m.smile + JAW_SHARE * m.open };
}

/** Outer (skin-side) edge of the upper lip at t: it rises upperLip * sqrt(k) above the opening. */
export function upperLipEdge(m: MouthModel, t: number): number {
  const k = Math.max(1 - t * t, 0);
  return openingCurves(m).top * k - m.upperLip * Math.sqrt(k);
}

/** Outer (skin-side) edge of the lower lip at t: it falls lowerLip * sqrt(k) below the opening. */
export function lowerLipEdge(m: MouthModel, t: number): number {
  const k = Math.max(1 - t * t, 0);
  return openingCurves(m).bottom * k + m.lowerLip * Math.sqrt(k);
}
