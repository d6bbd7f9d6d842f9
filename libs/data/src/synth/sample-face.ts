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
  /** Midpoint between the eyes, and each eye's distance from it. */
  eyesU: -0.3,
  eyeU: 18.35,
  eyeV: -18.35,
  /** Mean gaze (image right) and how far each pupil turns towards the nose. */
  gazeU: 0.45,
  convergence: 0.3,
  /** Pupils sit a little above the line through the corners. */
  pupilV: -0.2,
  eyeHalfWidth: 7.1,
  /** Brow ends relative to the eye centre: towards the nose / beyond the outer corner, and above. */
  browInnerGap: 9.9,
  browOuterReach: 13.5,
  browInnerHeight: 8.4,
  browOuterHeight: 7.7,
  /** The brows sit a little left of the eyes in Kaggle's means. */
  browShiftU: -0.2,
  noseU: 0.2,
  mouthU: -0.1,
  noseV: 6.7,
  noseToMouth: 13.35,
  mouthHalfWidth: 15.2,
  headV: -8,
  hairline: -41,
  headRx: 38.5,
  headRy: 47,
} as const;

/**
 * Pseudo-yaw: a head turned by `yaw` (in [-1, 1]) is drawn frontal, but its
 * parts slide sideways by these amounts (face units), nearer parts more, and
 * the farther eye is foreshortened.
 */
const YAW = { nose: 2.5, mouth: 1.2, eyes: 0.8, head: -1.5, eyeNarrowing: 0.06 } as const;

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
    u: NOMINAL.noseU + YAW.nose * yaw,
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

/** Brow raise is BROW_RAISE_MAX * uniform^2: mostly small, mean a third of the maximum. */
const BROW_RAISE_MAX = 3.5;
const MEAN_BROW_RAISE = BROW_RAISE_MAX / 3;
const SMILE_RANGE = [-1.2, 1.5] as const;
const MEAN_SMILE = (SMILE_RANGE[0] + SMILE_RANGE[1]) / 2;

function sampleExpression(rng: Rng): Expression {
  const browRaise = BROW_RAISE_MAX * rng.next() ** 2;
  const smile = rng.uniform(...SMILE_RANGE);
  const open = rng.next() < 0.3 ? rng.uniform(0.5, 4.5) : 0;
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
  const halfWidth = NOMINAL.eyeHalfWidth * rng.uniform(0.88, 1.12) * foreshortening(yaw, side);
  const size = halfWidth / NOMINAL.eyeHalfWidth;
  const gazeU = NOMINAL.gazeU + rng.uniform(-1.3, 1.3);
  const gazeV = rng.uniform(-0.5, 0.5);
  const tilt = rng.uniform(-4, 4.5) * DEG;
  return {
    side,
    u: eyesMidline(yaw) + side * NOMINAL.eyeU * rng.uniform(0.93, 1.07),
    v: NOMINAL.eyeV + rng.uniform(-1.5, 1.5),
    angle: -side * tilt,
    halfWidth,
    upperLid: clamp(rng.uniform(2.7, 3.7) * size + ex.eyeOpen, 2, 5),
    lowerLid: rng.uniform(1.6, 2.5) * size,
    // Eyes converge slightly: the pupils sit a little towards the nose.
    pupilU: gazeU - side * NOMINAL.convergence,
    pupilV: NOMINAL.pupilV + gazeV,
    irisRadius: rng.uniform(2.7, 3.4) * size,
    pupilRadius: rng.uniform(1.15, 1.6) * size,
  };
}

/** The other eye: mostly symmetric, with the same gaze and small differences. */
function mirrorEye(rng: Rng, eye: EyeModel, yaw: number): EyeModel {
  const side: Side = -1;
  const halfWidth = (eye.halfWidth / foreshortening(yaw, eye.side)) * foreshortening(yaw, side) * rng.uniform(0.97, 1.03);
  return {
    ...eye,
    side,
    u: eyesMidline(yaw) - (eye.u - eyesMidline(yaw)) * rng.uniform(0.97, 1.03),
    v: eye.v + rng.uniform(-0.6, 0.6),
    angle: -eye.angle + rng.uniform(-1.5, 1.5) * DEG,
    halfWidth,
    upperLid: eye.upperLid * rng.uniform(0.93, 1.07),
    pupilU: eye.pupilU + 2 * NOMINAL.convergence,
  };
}

function sampleBrow(rng: Rng, eye: EyeModel, ex: Expression): BrowModel {
  const lift = rng.uniform(-1.2, 1.2) + ex.browRaise - MEAN_BROW_RAISE;
  const u = eye.u + NOMINAL.browShiftU;
  return {
    innerU: u - eye.side * NOMINAL.browInnerGap * rng.uniform(0.85, 1.15),
    innerV: eye.v - NOMINAL.browInnerHeight - lift - ex.browInnerLift,
    outerU: u + eye.side * NOMINAL.browOuterReach * rng.uniform(0.9, 1.1),
    outerV: eye.v - NOMINAL.browOuterHeight - lift + rng.uniform(-1, 1),
    arch: rng.uniform(1, 3.5),
    thickness: rng.uniform(2, 3.6),
  };
}

/** The other brow: the same shape, placed the same way relative to its own eye. */
function mirrorBrow(rng: Rng, brow: BrowModel, fromEye: EyeModel, toEye: EyeModel): BrowModel {
  const from = fromEye.u + NOMINAL.browShiftU;
  const to = toEye.u + NOMINAL.browShiftU;
  const innerGap = fromEye.side * (from - brow.innerU);
  const outerReach = fromEye.side * (brow.outerU - from);
  return {
    ...brow,
    innerU: to - toEye.side * innerGap * rng.uniform(0.95, 1.05),
    innerV: toEye.v + (brow.innerV - fromEye.v) + rng.uniform(-0.7, 0.7),
    outerU: to + toEye.side * outerReach * rng.uniform(0.95, 1.05),
    outerV: toEye.v + (brow.outerV - fromEye.v) + rng.uniform(-0.7, 0.7),
  };
}

function sampleMouth(rng: Rng, nose: NoseModel, yaw: number, ex: Expression): MouthModel {
  return {
    u: NOMINAL.mouthU + YAW.mouth * yaw,
    v: nose.v + NOMINAL.noseToMouth + rng.uniform(-2, 2),
    angle: rng.uniform(-2, 2) * DEG,
    // A smile widens the mouth.
    halfWidth: NOMINAL.mouthHalfWidth * rng.uniform(0.88, 1.12) + 0.8 * (ex.smile - MEAN_SMILE),
    smile: ex.smile,
    open: ex.open,
    upperLip: rng.uniform(2.5, 3.7),
    lowerLip: rng.uniform(1.8, 2.8),
  };
}

function sampleHead(rng: Rng, yaw: number, left: BrowModel, right: BrowModel): HeadModel {
  const r = rng.next();
  const hair: HairStyle = r < 0.08 ? 'bald' : r < 0.65 ? 'short' : 'long';
  // The hairline must clear the brows, arch included, at the midline and at their outer ends.
  const browTop = Math.min(left.innerV, right.innerV, left.outerV, right.outerV) - Math.max(left.arch, right.arch);
  const hairline = Math.min(NOMINAL.hairline + rng.uniform(-3, 4), browTop - 3);
  const outerU = Math.max(Math.abs(left.outerU), Math.abs(right.outerU)) + 3;
  const outerTop = Math.min(left.outerV, right.outerV) - 3;
  const maxCurve = Math.max(0, (outerTop - hairline) / (outerU * outerU));
  return {
    u: YAW.head * yaw,
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
    lips: skin * rng.uniform(0.55, 0.78),
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

/** The eyes' midpoint, slid by yaw. */
function eyesMidline(yaw: number): number {
  return NOMINAL.eyesU + YAW.eyes * yaw;
}

/** Width factor of the eye on `side` when the head is turned by `yaw`: the eye turned away looks narrower. */
function foreshortening(yaw: number, side: Side): number {
  return 1 - YAW.eyeNarrowing * yaw * side;
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
