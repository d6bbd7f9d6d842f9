import { KEYPOINT_NAMES, type KeypointName } from '../keypoints.ts';
import type { BrowModel, EyeModel, FaceModel } from './face-model.ts';
import { eyeFrame, lowerLipEdge, mouthFrame, noseFrame, upperLipEdge } from './face-frames.ts';
import { mapX, mapY, type Similarity } from './similarity.ts';

const COLUMN_OF = new Map<KeypointName, number>(KEYPOINT_NAMES.map((name, k) => [name, 2 * k]));

function put(out: Float32Array, name: KeypointName, t: Similarity, u: number, v: number): void {
  const c = COLUMN_OF.get(name)!;
  out[c] = mapX(t, u, v);
  out[c + 1] = mapY(t, u, v);
}

function putEye(out: Float32Array, face: FaceModel, eye: EyeModel, centre: KeypointName, inner: KeypointName, outer: KeypointName): void {
  const frame = eyeFrame(face.pose, eye);
  put(out, centre, frame, eye.pupilU, eye.pupilV);
  put(out, inner, frame, -eye.side * eye.halfWidth, 0);
  put(out, outer, frame, eye.side * eye.halfWidth, 0);
}

function putBrow(out: Float32Array, face: FaceModel, brow: BrowModel, inner: KeypointName, outer: KeypointName): void {
  put(out, inner, face.pose, brow.innerU, brow.innerV);
  put(out, outer, face.pose, brow.outerU, brow.outerV);
}

/**
 * Writes the 30 keypoint columns (x, y per keypoint, in KEYPOINT_COLUMNS
 * order, image pixels) of a face into `out`. Left/right are the subject's:
 * the left eye is the one on the image's right.
 */
export function faceKeypoints(face: FaceModel, out: Float32Array): void {
  putEye(out, face, face.leftEye, 'left_eye_center', 'left_eye_inner_corner', 'left_eye_outer_corner');
  putEye(out, face, face.rightEye, 'right_eye_center', 'right_eye_inner_corner', 'right_eye_outer_corner');
  putBrow(out, face, face.leftBrow, 'left_eyebrow_inner_end', 'left_eyebrow_outer_end');
  putBrow(out, face, face.rightBrow, 'right_eyebrow_inner_end', 'right_eyebrow_outer_end');
  put(out, 'nose_tip', noseFrame(face), 0, 0);
  const mouth = mouthFrame(face.pose, face.mouth);
  put(out, 'mouth_left_corner', mouth, face.mouth.halfWidth, 0);
  put(out, 'mouth_right_corner', mouth, -face.mouth.halfWidth, 0);
  put(out, 'mouth_center_top_lip', mouth, 0, upperLipEdge(face.mouth, 0));
  put(out, 'mouth_center_bottom_lip', mouth, 0, lowerLipEdge(face.mouth, 0));
}
