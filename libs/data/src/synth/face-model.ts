import type { Similarity } from './similarity.ts';

// A sampled face, before it is drawn. Geometry is in "face units": pixels at
// scale 1, origin at the face's pivot, u to the image's right, v down. The
// pose maps face units to image pixels; every part and every keypoint goes
// through it.

/** +1 for a part on the subject's left (the image's right), -1 for the subject's right. */
export type Side = 1 | -1;

export interface EyeModel {
  readonly side: Side;
  /** Centre of the eye opening (midway between its corners). */
  readonly u: number;
  readonly v: number;
  /** Rotation of the corner-to-corner axis; negative lifts the image-right end. */
  readonly angle: number;
  /** Corners are at eye-frame (-halfWidth, 0) and (halfWidth, 0); the inner one is at -side * halfWidth. */
  readonly halfWidth: number;
  /** How far the upper and lower lids arch away from the corner axis. */
  readonly upperLid: number;
  readonly lowerLid: number;
  /** Pupil centre in the eye frame (the gaze); the eye-centre keypoint. */
  readonly pupilU: number;
  readonly pupilV: number;
  readonly irisRadius: number;
  readonly pupilRadius: number;
}

export interface BrowModel {
  readonly innerU: number;
  readonly innerV: number;
  readonly outerU: number;
  readonly outerV: number;
  /** Height of the arch above the inner-outer chord. */
  readonly arch: number;
  /** Full thickness where the brow is thickest. */
  readonly thickness: number;
}

export interface NoseModel {
  /** The tip. */
  readonly u: number;
  readonly v: number;
  /** Size of the nostrils and wings relative to an average nose. */
  readonly width: number;
  /** Length of the bridge shading above the tip. */
  readonly length: number;
}

/**
 * The mouth in its own frame: corners at (+-halfWidth, 0). With t = x/halfWidth
 * and k = 1 - t^2, the lips meet along y = smile*k; an open mouth parts them by
 * open*k, mostly by dropping the lower lip; the upper lip's outer edge rises
 * upperLip*sqrt(k) above the opening and the lower lip's falls lowerLip*sqrt(k)
 * below it (see face-frames.ts).
 */
export interface MouthModel {
  /** Midpoint of the corners. */
  readonly u: number;
  readonly v: number;
  readonly angle: number;
  readonly halfWidth: number;
  /** Positive when the corners are higher than the middle. */
  readonly smile: number;
  readonly open: number;
  readonly upperLip: number;
  readonly lowerLip: number;
}

export type HairStyle = 'bald' | 'short' | 'long';

export interface HeadModel {
  readonly u: number;
  readonly v: number;
  readonly rx: number;
  readonly ry: number;
  /** How much narrower the jaw is than an ellipse (0 = ellipse). */
  readonly jaw: number;
  readonly hair: HairStyle;
  /** Hairline height at the midline, face units (negative = above the pivot). */
  readonly hairline: number;
  /** How fast the hairline drops towards the temples (per face unit squared). */
  readonly hairlineCurve: number;
  /** How far the hair stands out around the head. */
  readonly hairVolume: number;
  readonly earSize: number;
}

/** Albedos in [0, 1] (drawn before shading and exposure) and lighting. */
export interface Appearance {
  readonly skin: number;
  readonly hair: number;
  readonly brow: number;
  readonly lips: number;
  readonly sclera: number;
  readonly iris: number;
  readonly lash: number;
  readonly clothing: number;
  readonly eyeShine: boolean;
  /** Direction the face is lit from, unit vector (x right, y down, z towards the camera). */
  readonly lightX: number;
  readonly lightY: number;
  readonly lightZ: number;
  /** Share of light that does not depend on direction. */
  readonly ambient: number;
}

export interface FaceModel {
  /** Face units to image pixels. */
  readonly pose: Similarity;
  readonly head: HeadModel;
  readonly leftEye: EyeModel;
  readonly rightEye: EyeModel;
  readonly leftBrow: BrowModel;
  readonly rightBrow: BrowModel;
  readonly nose: NoseModel;
  readonly mouth: MouthModel;
  readonly look: Appearance;
}
