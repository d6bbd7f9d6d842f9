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

/** Where the lips meet (closed) or the middle of the opening, at t = x / halfWidth in [-1, 1]. */
export function mouthMidline(m: MouthModel, t: number): number {
  return m.smile * (1 - t * t);
}

/** Half the height of the opening at t. */
export function mouthHalfOpening(m: MouthModel, t: number): number {
  return 0.5 * m.open * (1 - t * t);
}

/** Outer (skin-side) edge of the upper lip at t. */
export function upperLipEdge(m: MouthModel, t: number): number {
  const k = 1 - t * t;
  return mouthMidline(m, t) - mouthHalfOpening(m, t) - m.upperLip * Math.sqrt(Math.max(k, 0));
}

/** Outer (skin-side) edge of the lower lip at t. */
export function lowerLipEdge(m: MouthModel, t: number): number {
  const k = 1 - t * t;
  return mouthMidline(m, t) + mouthHalfOpening(m, t) + m.lowerLip * Math.sqrt(Math.max(k, 0));
}
