/** The 4x4 grid of validation faces, drawn on canvases from the pixels, with true (+) and predicted (x) keypoints. */
import type { FaceView, PredictionsView } from '../shared/contract.ts';

const SIDE = 96;
const SCALE = 2;

export class FaceGrid {
  private shown: PredictionsView | null = null;

  constructor(
    private readonly host: HTMLElement,
    private readonly caption: HTMLElement,
  ) {}

  render(predictions: PredictionsView | null): void {
    if (predictions === this.shown) return;
    this.shown = predictions;
    this.host.replaceChildren(...(predictions?.faces ?? []).map(drawFace));
    this.caption.textContent = predictions ? `(epoch ${predictions.epoch})` : '(none yet)';
  }
}

function drawFace(face: FaceView): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = SIDE * SCALE;
  canvas.height = SIDE * SCALE;
  const ctx = canvas.getContext('2d')!;
  const grey = Uint8Array.from(atob(face.pixels), (c) => c.charCodeAt(0));
  const image = new ImageData(SIDE, SIDE);
  for (let i = 0; i < SIDE * SIDE; i++) {
    image.data.set([grey[i], grey[i], grey[i], 255], i * 4);
  }
  const small = document.createElement('canvas');
  small.width = SIDE;
  small.height = SIDE;
  small.getContext('2d')!.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(small, 0, 0, SIDE * SCALE, SIDE * SCALE);
  marks(ctx, face.truth, 'rgb(40, 220, 60)', plus);
  marks(ctx, face.predicted, 'rgb(240, 40, 40)', cross);
  return canvas;
}

type Mark = (ctx: CanvasRenderingContext2D, x: number, y: number) => void;

function marks(ctx: CanvasRenderingContext2D, points: readonly number[], color: string, mark: Mark): void {
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.5;
  for (let i = 0; i + 1 < points.length; i += 2) {
    if (Number.isFinite(points[i]) && Number.isFinite(points[i + 1])) mark(ctx, points[i] * SCALE, points[i + 1] * SCALE);
  }
}

const plus: Mark = (ctx, x, y) => {
  ctx.beginPath();
  ctx.moveTo(x - 4, y);
  ctx.lineTo(x + 4, y);
  ctx.moveTo(x, y - 4);
  ctx.lineTo(x, y + 4);
  ctx.stroke();
};

const cross: Mark = (ctx, x, y) => {
  ctx.beginPath();
  ctx.moveTo(x - 3, y - 3);
  ctx.lineTo(x + 3, y + 3);
  ctx.moveTo(x - 3, y + 3);
  ctx.lineTo(x + 3, y - 3);
  ctx.stroke();
};
