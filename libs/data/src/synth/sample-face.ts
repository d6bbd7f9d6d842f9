import { IMAGE_SIDE } from '../keypoints.ts';
import type { Rng } from '../rng.ts';
import { faceKeypoints } from './face-keypoints.ts';
import type { Appearance, BrowModel, EyeModel, FaceModel, HairStyle, HeadModel, MouthModel, NoseModel, Side } from './face-model.ts';
import { similarity, type Similarity } from './similarity.ts';

/** How much the head moves in the frame. Ranges are uniform. */
export interface PoseRange {
  /** Largest shift of the face from its mean position on each axis, pixels. */
  readonly shift: number;
  readonly minScale: number;
  readonly maxScale: number;
  /** Largest in-plane rotation, degrees either way. */
  readonly maxRollDegrees: number;
  /** Largest pseudo-yaw in [0, 1]: nose and mouth slide sideways, the far eye narrows. */
  readonly maxYaw: number;
}

/** Tuned so that a mean-keypoint predictor scores a few pixels RMSE, like on Kaggle's data (about 3.1 px). */
export const DEFAULT_POSE_RANGE: PoseRange = { shift: 4, minScale: 0.88, maxScale: 1.12, maxRollDegrees: 11, maxYaw: 1 };

/** Every face upright, centred and of average size: only identity and expression vary. */
export const CENTRED_POSE_RANGE: PoseRange = { shift: 0, minScale: 1, maxScale: 1, maxRollDegrees: 0, maxYaw: 0 };

// Where face units are pinned in the image at the mean pose; with the nominal
// geometry below, the mean keypoints land on Kaggle's training means.
const PIVOT_X = 48.2;
const PIVOT_Y = 56;

/** Nominal geometry, face units (see face-model.ts), read off Kaggle's mean keypoints. */
const NOMINAL = {
  eyeU: 18.3,
  eyeV: -18.15,
  eyeHalfWidth: 7.1,
  /** Brow ends relative to the eye centre: towards the nose / beyond the outer corner, and above. */
  browInnerGap: 9.9,
  browOuterReach: 13.5,
  browInnerHeight: 8.4,
  browOuterHeight: 7.7,
  noseV: 6.7,
  noseToMouth: 13.35,
  mouthHalfWidth: 15.2,
  headV: -8,
  headRx: 38.5,
  headRy: 47,
} as const;

/** Keypoints must stay this far inside the image after posing. */
const KEYPOINT_MARGIN = 1;

const DEG = Math.PI / 180;

/** Samples a whole face: identity, expression, appearance and a pose that keeps every keypoint inside the image. */
export function sampleFace(rng: Rng, range: PoseRange = DEFAULT_POSE_RANGE): FaceModel {
  const yaw = rng.uniform(-1, 1) * range.maxYaw;
  const expression = sampleExpression(rng);
  const leftEye = sampleEye(rng, 1, yaw, expression);
  const rightEye = mirrorEye(rng, leftEye, yaw);
  const leftBrow = sampleBrow(rng, leftEye, expression);
  const rightBrow = mirrorBrow(rng, leftBrow, leftEye, rightEye);
  const nose: NoseModel = {
    u: 2.5 * yaw,
    v: NOMINAL.noseV + rng.uniform(-2.5, 2.5),
    width: rng.uniform(0.85, 1.2),
    length: rng.uniform(12, 20),
  };
  const mouth = sampleMouth(rng, nose, yaw, expression);
  const head = sampleHead(rng, yaw, leftBrow, rightBrow);
  const look = sampleAppearance(rng);
  const parts = { head, leftEye, rightEye, leftBrow, rightBrow, nose, mouth, look };
  return { pose: samplePose(rng, range, parts), ...parts };
}

interface Expression {
  /** Both brows lifted, face units. */
  readonly browRaise: number;
  /** Extra lift of the inner brow ends (worry) or drop (frown). */
  readonly browInnerLift: number;
  readonly smile: number;
  readonly open: number;
  /** Change in how wide the eyes are open. */
  readonly eyeOpen: number;
}

function sampleExpression(rng: Rng): Expression {
  const browRaise = 3.5 * rng.next() ** 2;
  const smile = rng.uniform(-1.2, 1.5);
  const open = rng.next() < 0.4 ? rng.uniform(0.5, 4.5) : 0;
  return {
    browRaise,
    browInnerLift: rng.uniform(-0.8, 0.8),
    smile,
    open,
    // Raised brows widen the eyes; a broad smile narrows them.
    eyeOpen: rng.uniform(-0.5, 0.5) + 0.25 * browRaise - 0.25 * Math.max(smile, 0),
  };
}

function sampleEye(rng: Rng, side: Side, yaw: number, ex: Expression): EyeModel {
  const halfWidth = NOMINAL.eyeHalfWidth * rng.uniform(0.88, 1.12) * (1 - 0.06 * yaw * side);
  const size = halfWidth / NOMINAL.eyeHalfWidth;
  const gazeU = rng.uniform(-1.3, 1.3);
  const gazeV = rng.uniform(-0.5, 0.5);
  const tilt = rng.uniform(-3, 6) * DEG;
  return {
    side,
    u: side * NOMINAL.eyeU * rng.uniform(0.93, 1.07) + 0.8 * yaw,
    v: NOMINAL.eyeV + rng.uniform(-1.5, 1.5),
    angle: -side * tilt,
    halfWidth,
    upperLid: clamp(rng.uniform(2.7, 3.7) * size + ex.eyeOpen, 2, 5),
    lowerLid: rng.uniform(1.6, 2.5) * size,
    // Eyes converge slightly: the pupils sit a little towards the nose.
    pupilU: gazeU - side * 0.15,
    pupilV: gazeV - 0.2,
    irisRadius: rng.uniform(2.7, 3.4) * size,
    pupilRadius: rng.uniform(1.15, 1.6) * size,
  };
}

/** The other eye: mostly symmetric, with the same gaze and small differences. */
function mirrorEye(rng: Rng, eye: EyeModel, yaw: number): EyeModel {
  const side: Side = -1;
  const halfWidth = (eye.halfWidth / (1 - 0.06 * yaw)) * (1 + 0.06 * yaw) * rng.uniform(0.97, 1.03);
  return {
    ...eye,
    side,
    u: -(eye.u - 0.8 * yaw) * rng.uniform(0.97, 1.03) + 0.8 * yaw,
    v: eye.v + rng.uniform(-0.6, 0.6),
    angle: -eye.angle + rng.uniform(-1.5, 1.5) * DEG,
    halfWidth,
    upperLid: eye.upperLid * rng.uniform(0.93, 1.07),
    pupilU: eye.pupilU + 0.3,
  };
}

function sampleBrow(rng: Rng, eye: EyeModel, ex: Expression): BrowModel {
  const meanRaise = 3.5 / 3;
  const lift = rng.uniform(-1.2, 1.2) + ex.browRaise - meanRaise;
  const eyeU = Math.abs(eye.u);
  return {
    innerU: eye.side * (eyeU - NOMINAL.browInnerGap * rng.uniform(0.85, 1.15)),
    innerV: eye.v - NOMINAL.browInnerHeight - lift - ex.browInnerLift,
    outerU: eye.side * (eyeU + NOMINAL.browOuterReach * rng.uniform(0.9, 1.1)),
    outerV: eye.v - NOMINAL.browOuterHeight - lift + rng.uniform(-1, 1),
    arch: rng.uniform(1, 3.5),
    thickness: rng.uniform(2, 3.6),
  };
}

/** The other brow: the same shape, placed the same way relative to its own eye. */
function mirrorBrow(rng: Rng, brow: BrowModel, fromEye: EyeModel, toEye: EyeModel): BrowModel {
  const fromU = Math.abs(fromEye.u);
  const toU = Math.abs(toEye.u);
  return {
    ...brow,
    innerU: toEye.side * (toU - (fromU - Math.abs(brow.innerU)) * rng.uniform(0.95, 1.05)),
    innerV: toEye.v + (brow.innerV - fromEye.v) + rng.uniform(-0.7, 0.7),
    outerU: toEye.side * (toU + (Math.abs(brow.outerU) - fromU) * rng.uniform(0.95, 1.05)),
    outerV: toEye.v + (brow.outerV - fromEye.v) + rng.uniform(-0.7, 0.7),
  };
}

function sampleMouth(rng: Rng, nose: NoseModel, yaw: number, ex: Expression): MouthModel {
  return {
    u: 1.2 * yaw,
    v: nose.v + NOMINAL.noseToMouth + rng.uniform(-2, 2),
    angle: rng.uniform(-2, 2) * DEG,
    halfWidth: NOMINAL.mouthHalfWidth * rng.uniform(0.88, 1.12) + 0.8 * (ex.smile - 0.15),
    smile: ex.smile,
    open: ex.open,
    upperLip: rng.uniform(2.2, 3.4),
    lowerLip: rng.uniform(1.7, 2.7),
  };
}

function sampleHead(rng: Rng, yaw: number, left: BrowModel, right: BrowModel): HeadModel {
  const r = rng.next();
  const hair: HairStyle = r < 0.08 ? 'bald' : r < 0.65 ? 'short' : 'long';
  // The hairline must clear the brows, arch included, at the midline and at their outer ends.
  const browTop = Math.min(left.innerV, right.innerV, left.outerV, right.outerV) - Math.max(left.arch, right.arch);
  const hairline = Math.min(-41 + rng.uniform(-3, 4), browTop - 3);
  const outerU = Math.max(Math.abs(left.outerU), Math.abs(right.outerU)) + 3;
  const outerTop = Math.min(left.outerV, right.outerV) - 3;
  const maxCurve = Math.max(0, (outerTop - hairline) / (outerU * outerU));
  return {
    u: -1.5 * yaw,
    v: NOMINAL.headV,
    rx: NOMINAL.headRx * rng.uniform(0.93, 1.07),
    ry: NOMINAL.headRy * rng.uniform(0.96, 1.05),
    jaw: rng.uniform(0.1, 0.3),
    hair,
    hairline,
    hairlineCurve: maxCurve * rng.uniform(0.2, 1),
    hairVolume: rng.uniform(1, 6),
    earSize: rng.uniform(0.85, 1.15),
  };
}

function sampleAppearance(rng: Rng): Appearance {
  const skin = rng.uniform(0.38, 0.85);
  const lightX = rng.uniform(-0.7, 0.7);
  const lightY = rng.uniform(-0.6, 0.2);
  const lightZ = Math.sqrt(Math.max(0.1, 1 - lightX * lightX - lightY * lightY));
  const norm = Math.hypot(lightX, lightY, lightZ);
  return {
    skin,
    hair: rng.next() < 0.75 ? rng.uniform(0.05, 0.3) : rng.uniform(0.3, 0.75),
    brow: skin * rng.uniform(0.3, 0.6),
    lips: skin * rng.uniform(0.62, 0.82),
    sclera: rng.uniform(0.6, 0.92),
    iris: rng.uniform(0.12, 0.5),
    lash: rng.uniform(0.04, 0.2),
    clothing: rng.uniform(0.05, 0.95),
    eyeShine: rng.next() < 0.6,
    lightX: lightX / norm,
    lightY: lightY / norm,
    lightZ: lightZ / norm,
    ambient: rng.uniform(0.35, 0.7),
  };
}

/** A random pose under which every keypoint stays inside the image; rare misses are redrawn, then fall back to the mean pose. */
function samplePose(rng: Rng, range: PoseRange, parts: Omit<FaceModel, 'pose'>): Similarity {
  const keypoints = new Float32Array(30);
  for (let attempt = 0; attempt < 20; attempt++) {
    const pose = similarity(
      rng.uniform(range.minScale, range.maxScale),
      rng.uniform(-1, 1) * range.maxRollDegrees * DEG,
      PIVOT_X + rng.uniform(-1, 1) * range.shift,
      PIVOT_Y + rng.uniform(-1, 1) * range.shift,
    );
    faceKeypoints({ pose, ...parts }, keypoints);
    if (keypoints.every((k) => k >= KEYPOINT_MARGIN && k <= IMAGE_SIDE - KEYPOINT_MARGIN)) return pose;
  }
  return similarity(1, 0, PIVOT_X, PIVOT_Y);
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
