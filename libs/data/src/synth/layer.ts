import { IMAGE_SIDE } from '../keypoints.ts';
import { mapX, mapY, type Similarity } from './similarity.ts';

/**
 * One 96x96 plane of floats, row-major. Pixel (col, row) covers the square
 * [col, col+1) x [row, row+1), so its centre is (col + 0.5, row + 0.5). With
 * that convention a left-right mirror maps x to 96 - x exactly, which is the
 * flip the tutorial applies to its targets.
 */
export type Layer = Float32Array;

/**
 * The image side. Hot loops read it once per row or copy it to a local:
 * V8 (Node 20) re-loads and hole-checks an imported binding on every use,
 * which costs a third of a simple per-pixel loop.
 */
export const SIDE = IMAGE_SIDE;

/** A rectangle of whole pixels: columns x0..x1-1, rows y0..y1-1. */
export interface PixelBox {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

/** The pixels touched by the local rectangle [uMin, uMax] x [vMin, vMax] under `t`, clipped to the image; null if none. */
export function pixelBox(t: Similarity, uMin: number, vMin: number, uMax: number, vMax: number): PixelBox | null {
  // The image of a rectangle is a parallelogram: centre plus/minus the two mapped half-diagonals' extents.
  const cu = (uMin + uMax) / 2;
  const cv = (vMin + vMax) / 2;
  const hu = (uMax - uMin) / 2;
  const hv = (vMax - vMin) / 2;
  const cx = mapX(t, cu, cv);
  const cy = mapY(t, cu, cv);
  const ex = Math.abs(t.a) * hu + Math.abs(t.b) * hv;
  const ey = Math.abs(t.b) * hu + Math.abs(t.a) * hv;
  const x0 = Math.max(0, Math.floor(cx - ex));
  const y0 = Math.max(0, Math.floor(cy - ey));
  const x1 = Math.min(SIDE, Math.ceil(cx + ex));
  const y1 = Math.min(SIDE, Math.ceil(cy + ey));
  return x0 < x1 && y0 < y1 ? { x0, y0, x1, y1 } : null;
}

/** Anti-aliased coverage of a pixel whose centre is at signed distance `d` pixels from an edge (negative inside), with a ramp `edge` pixels wide. */
export function coverage(d: number, edge: number): number {
  const c = 0.5 - d / edge;
  return c <= 0 ? 0 : c >= 1 ? 1 : c;
}
