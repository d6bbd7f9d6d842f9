import { IMAGE_PIXELS, KEYPOINT_COLUMNS } from '../keypoints.ts';
import type { Rng } from '../rng.ts';
import { drawBackground } from './background.ts';
import { drawBrow } from './brow.ts';
import { drawEye, drawEyeSocket } from './eye.ts';
import { eyeFrame, mouthFrame, noseFrame } from './face-frames.ts';
import { faceKeypoints } from './face-keypoints.ts';
import { drawHead } from './head.ts';
import { expose } from './finish.ts';
import { drawMouth } from './mouth.ts';
import { drawNose } from './nose.ts';
import { DEFAULT_POSE_RANGE, sampleFace, type PoseRange } from './sample-face.ts';

// Reused across calls: rendering is synchronous, so one set per thread suffices.
const albedo = new Float32Array(IMAGE_PIXELS);
const shade = new Float32Array(IMAGE_PIXELS);
const scratch = new Float32Array(IMAGE_PIXELS);

/**
 * Draws one random face into `pixels` (96x96, row-major, 0..255) and writes
 * its 30 keypoint columns (KEYPOINT_COLUMNS order, image pixels, pixel
 * (col, row) covering [col, col+1) x [row, row+1)) into `keypoints`. All the
 * randomness comes from `rng`, so the same stream gives the same face.
 */
export function renderFace(rng: Rng, pixels: Uint8Array, keypoints: Float32Array, range: PoseRange = DEFAULT_POSE_RANGE): void {
  if (pixels.length !== IMAGE_PIXELS) throw new RangeError(`renderFace needs ${IMAGE_PIXELS} pixels, got ${pixels.length}`);
  if (keypoints.length !== KEYPOINT_COLUMNS.length) {
    throw new RangeError(`renderFace needs ${KEYPOINT_COLUMNS.length} keypoint slots, got ${keypoints.length}`);
  }
  const face = sampleFace(rng, range);
  faceKeypoints(face, keypoints);

  drawBackground(rng, albedo);
  shade.fill(1);
  drawHead(face, albedo, shade);
  const { pose, look } = face;
  const leftEye = eyeFrame(pose, face.leftEye);
  const rightEye = eyeFrame(pose, face.rightEye);
  drawEyeSocket(albedo, leftEye, face.leftEye, look);
  drawEyeSocket(albedo, rightEye, face.rightEye, look);
  drawBrow(albedo, pose, face.leftBrow, look.brow);
  drawBrow(albedo, pose, face.rightBrow, look.brow);
  drawEye(albedo, leftEye, face.leftEye, look);
  drawEye(albedo, rightEye, face.rightEye, look);
  drawNose(albedo, noseFrame(face), face.nose, look);
  drawMouth(albedo, mouthFrame(pose, face.mouth), face.mouth, look);
  expose(rng, albedo, shade, scratch, pixels);
}
