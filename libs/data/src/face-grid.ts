import { PNG } from 'pngjs';
import { IMAGE_PIXELS, IMAGE_SIDE } from './keypoints.ts';

/** One set of keypoints to draw over the faces, e.g. the labels or a model's predictions. */
export interface KeypointLayer {
  /** N x width pixel coordinates, x then y per keypoint; NaN = not drawn. */
  readonly points: Float32Array;
  /** Number of values per face (2 per keypoint). */
  readonly width: number;
  /** RGB colour of the crosses. */
  readonly color: readonly [number, number, number];
}

export interface FaceGridOptions {
  /** N x 9216 grayscale pixels. */
  readonly pixels: Uint8Array;
  /** Which faces to draw (default: the first `columns * columns`). */
  readonly indices?: readonly number[];
  readonly layers?: readonly KeypointLayer[];
  /** Faces per row (default 4, the tutorial's 4x4 grid). */
  readonly columns?: number;
  /** Magnification of each face (default 3), so that crosses are visible. */
  readonly zoom?: number;
}

export const LABEL_COLOR: readonly [number, number, number] = [40, 220, 60];
export const PREDICTION_COLOR: readonly [number, number, number] = [240, 40, 40];

const GAP = 4;

/**
 * Draws faces in a grid with their keypoints as small crosses (the tutorial's
 * picture) and returns the PNG file's bytes.
 */
export function renderFaceGrid(options: FaceGridOptions): Buffer {
  const columns = options.columns ?? 4;
  const zoom = options.zoom ?? 3;
  const available = Math.floor(options.pixels.length / IMAGE_PIXELS);
  const indices = options.indices ?? range(Math.min(available, columns * columns));
  if (indices.length === 0) throw new RangeError('no faces to draw');
  for (const i of indices) {
    if (!(Number.isInteger(i) && i >= 0 && i < available)) throw new RangeError(`face ${i} is outside the ${available} faces`);
  }
  const rows = Math.ceil(indices.length / columns);
  const cell = IMAGE_SIDE * zoom;
  const png = new PNG({ width: columns * cell + (columns + 1) * GAP, height: rows * cell + (rows + 1) * GAP });
  png.data.fill(255);

  indices.forEach((face, slot) => {
    const left = GAP + (slot % columns) * (cell + GAP);
    const top = GAP + Math.floor(slot / columns) * (cell + GAP);
    drawFace(png, options.pixels, face, left, top, zoom);
    for (const layer of options.layers ?? []) {
      for (let k = 0; k + 1 < layer.width; k += 2) {
        const x = layer.points[face * layer.width + k];
        const y = layer.points[face * layer.width + k + 1];
        if (Number.isFinite(x) && Number.isFinite(y)) {
          drawCross(png, left + x * zoom, top + y * zoom, zoom + 1, layer.color, { left, top, size: cell });
        }
      }
    }
  });
  return PNG.sync.write(png);
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function drawFace(png: PNG, pixels: Uint8Array, face: number, left: number, top: number, zoom: number): void {
  const base = face * IMAGE_PIXELS;
  for (let y = 0; y < IMAGE_SIDE * zoom; y++) {
    for (let x = 0; x < IMAGE_SIDE * zoom; x++) {
      const v = pixels[base + Math.floor(y / zoom) * IMAGE_SIDE + Math.floor(x / zoom)];
      const o = ((top + y) * png.width + left + x) * 4;
      png.data[o] = v;
      png.data[o + 1] = v;
      png.data[o + 2] = v;
      png.data[o + 3] = 255;
    }
  }
}

interface Clip {
  left: number;
  top: number;
  size: number;
}

function drawCross(png: PNG, cx: number, cy: number, arm: number, color: readonly [number, number, number], clip: Clip): void {
  const px = Math.round(cx);
  const py = Math.round(cy);
  for (let d = -arm; d <= arm; d++) {
    setPixel(png, px + d, py, color, clip);
    setPixel(png, px, py + d, color, clip);
  }
}

function setPixel(png: PNG, x: number, y: number, color: readonly [number, number, number], clip: Clip): void {
  if (x < clip.left || y < clip.top || x >= clip.left + clip.size || y >= clip.top + clip.size) return;
  const o = (y * png.width + x) * 4;
  png.data[o] = color[0];
  png.data[o + 1] = color[1];
  png.data[o + 2] = color[2];
}
