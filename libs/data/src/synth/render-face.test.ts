import { describe, expect, it } from 'vitest';
import { IMAGE_PIXELS, IMAGE_SIDE, KEYPOINT_NAMES, type KeypointName } from '../keypoints.ts';
import { Rng } from '../rng.ts';
import { renderFace } from './render-face.ts';
import { rowRng } from './synthesize.ts';

interface Face {
  pixels: Uint8Array;
  point(name: KeypointName): { x: number; y: number };
}

function face(seed: number, row: number): Face {
  const pixels = new Uint8Array(IMAGE_PIXELS);
  const keypoints = new Float32Array(30);
  renderFace(rowRng(seed, row), pixels, keypoints);
  return {
    pixels,
    point(name) {
      const k = KEYPOINT_NAMES.indexOf(name);
      return { x: keypoints[2 * k], y: keypoints[2 * k + 1] };
    },
  };
}

const FACES = Array.from({ length: 150 }, (_, row) => face(11, row));

describe('renderFace', () => {
  it('is deterministic: the same generator state gives byte-identical faces', () => {
    const draw = (seed: number) => {
      const pixels = new Uint8Array(IMAGE_PIXELS);
      const keypoints = new Float32Array(30);
      renderFace(new Rng(seed), pixels, keypoints);
      return { pixels, keypoints };
    };
    const a = draw(3);
    const b = draw(3);
    const c = draw(4);
    expect(Buffer.from(b.pixels).equals(Buffer.from(a.pixels))).toBe(true);
    expect(Array.from(b.keypoints)).toEqual(Array.from(a.keypoints));
    expect(Buffer.from(c.pixels).equals(Buffer.from(a.pixels))).toBe(false);
  });

  it('rejects buffers of the wrong size', () => {
    expect(() => renderFace(new Rng(1), new Uint8Array(10), new Float32Array(30))).toThrow(RangeError);
    expect(() => renderFace(new Rng(1), new Uint8Array(IMAGE_PIXELS), new Float32Array(8))).toThrow(RangeError);
  });

  it('puts every keypoint inside the image', () => {
    for (const f of FACES) {
      for (const name of KEYPOINT_NAMES) {
        const { x, y } = f.point(name);
        expect(x).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThanOrEqual(IMAGE_SIDE);
        expect(y).toBeGreaterThanOrEqual(0);
        expect(y).toBeLessThanOrEqual(IMAGE_SIDE);
      }
    }
  });

  it('gives keypoints the meaning of their names (left = the subject\'s left = image right)', () => {
    for (const f of FACES) {
      const p = (name: KeypointName) => f.point(name);
      // Left to right across the image: right outer, right centre, right inner, left inner, left centre, left outer.
      const eyeRow = ['right_eye_outer_corner', 'right_eye_center', 'right_eye_inner_corner', 'left_eye_inner_corner', 'left_eye_center', 'left_eye_outer_corner'] as const;
      for (let k = 1; k < eyeRow.length; k++) expect(p(eyeRow[k]).x).toBeGreaterThan(p(eyeRow[k - 1]).x);
      expect(p('right_eyebrow_outer_end').x).toBeLessThan(p('right_eyebrow_inner_end').x);
      expect(p('right_eyebrow_inner_end').x).toBeLessThan(p('left_eyebrow_inner_end').x);
      expect(p('left_eyebrow_inner_end').x).toBeLessThan(p('left_eyebrow_outer_end').x);
      for (const side of ['left', 'right'] as const) {
        const eyeY = p(`${side}_eye_center`).y;
        expect(p(`${side}_eyebrow_inner_end`).y).toBeLessThan(eyeY);
        expect(p(`${side}_eyebrow_outer_end`).y).toBeLessThan(eyeY);
      }
      const eyesY = (p('left_eye_center').y + p('right_eye_center').y) / 2;
      const mouthY = (p('mouth_left_corner').y + p('mouth_right_corner').y) / 2;
      expect(p('nose_tip').y).toBeGreaterThan(eyesY);
      expect(p('nose_tip').y).toBeLessThan(mouthY);
      expect(p('nose_tip').x).toBeGreaterThan(p('right_eye_center').x);
      expect(p('nose_tip').x).toBeLessThan(p('left_eye_center').x);
      expect(p('mouth_center_top_lip').y).toBeLessThan(p('mouth_center_bottom_lip').y);
      expect(p('mouth_center_top_lip').y).toBeGreaterThan(p('nose_tip').y);
      expect(p('mouth_left_corner').x).toBeGreaterThan(p('mouth_center_top_lip').x);
      expect(p('mouth_right_corner').x).toBeLessThan(p('mouth_center_top_lip').x);
    }
  });

  it('draws a dark pupil at each eye-centre keypoint', () => {
    for (const f of FACES) {
      const mean3x3 = (x: number, y: number) => {
        let sum = 0;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) sum += f.pixels[(Math.floor(y) + dy) * IMAGE_SIDE + Math.floor(x) + dx];
        }
        return sum / 9;
      };
      const nose = f.point('nose_tip');
      for (const eye of ['left_eye_center', 'right_eye_center'] as const) {
        const { x, y } = f.point(eye);
        // The cheek: skin a little under the eye, on the way to the nose tip.
        const cheek = mean3x3(x + 0.45 * (nose.x - x), y + 0.45 * (nose.y - y));
        expect(mean3x3(x, y)).toBeLessThan(cheek - 20);
      }
    }
  });

  it('varies pose and features: the faces are not all alike', () => {
    const xs = FACES.map((f) => f.point('left_eye_center').x);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    expect(mean).toBeGreaterThan(64);
    expect(mean).toBeLessThan(69);
    expect(sd).toBeGreaterThan(2);
  });
});
