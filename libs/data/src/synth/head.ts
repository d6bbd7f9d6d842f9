import type { FaceModel, HeadModel } from './face-model.ts';
import { SIDE, coverage, pixelBox, type Layer } from './layer.ts';
import { ellipseBands, ellipseDistance, fillBox, fillEllipse, strokePolyline } from './shapes.ts';
import { invert, mapX, mapY, scaleOf, subFrame, type Similarity } from './similarity.ts';

const SKIN_EDGE = 1.2;
const HAIR_EDGE = 1.5;

/**
 * Draws everything of the person except the facial features: neck, clothing,
 * ears, hair and the skin of the head, whose sphere-like lighting is written
 * into `shade` (a multiplier applied to the albedo at the end).
 */
export function drawHead(face: FaceModel, albedo: Layer, shade: Layer): void {
  const { head, look } = face;
  const frame = subFrame(face.pose, head.u, head.v);
  const neckTop = 0.45 * head.ry;
  const neckBottom = head.ry + 40;
  const neck = subFrame(frame, 0, (neckTop + neckBottom) / 2);
  fillBox(albedo, neck, 0.42 * head.rx, (neckBottom - neckTop) / 2, 4, look.skin * 0.95);
  fillBox(shade, neck, 0.42 * head.rx, (neckBottom - neckTop) / 2, 4, 0.7);
  fillEllipse(albedo, subFrame(frame, 0, head.ry + 28), head.rx * 1.6, 26, look.clothing);
  fillEllipse(shade, subFrame(frame, 0, head.ry + 28), head.rx * 1.6, 26, 1);

  for (const side of [-1, 1]) {
    const ear = subFrame(frame, side * head.rx * 0.96, 3, side * 0.08, head.earSize);
    fillEllipse(albedo, ear, 4.5, 9, look.skin * 0.9);
    strokePolyline(albedo, ear, [side * 1.5, -5, side * 2.5, 0, side * 1.2, 5], [0.7, 0.8, 0.6], look.skin * 0.6, 0.6, 1.3);
  }

  if (head.hair === 'long') {
    fillBox(albedo, subFrame(frame, 0, 25), head.rx + head.hairVolume + 2, 45, 14, look.hair);
  }
  if (head.hair !== 'bald') {
    const crown = hairCrown(frame, head);
    fillEllipse(albedo, crown.frame, crown.rx, crown.ry, look.hair);
  }

  paintSkin(face, frame, albedo, shade);
  if (head.hair !== 'bald') paintHairCap(frame, head, albedo, look.hair);
}

/** The mass of hair on top of the head: an ellipse whose lower part hides behind the head's sides. */
function hairCrown(frame: Similarity, head: HeadModel): { frame: Similarity; rx: number; ry: number } {
  return {
    frame: subFrame(frame, 0, -0.3 * head.ry),
    rx: head.rx + 0.6 * head.hairVolume,
    ry: 0.75 * head.ry + head.hairVolume,
  };
}

/** Half-width of the head outline at height v: an ellipse narrowed towards the chin. */
function headHalfWidth(v: number, head: HeadModel): number {
  const below = v > 0 ? v / head.ry : 0;
  return head.rx * (1 - head.jaw * below * below);
}

function paintSkin(face: FaceModel, frame: Similarity, albedo: Layer, shade: Layer): void {
  const { head, look } = face;
  const box = pixelBox(frame, -head.rx - 2, -head.ry - 2, head.rx + 2, head.ry + 2);
  if (!box) return;
  const s = scaleOf(frame);
  const inv = invert(frame);
  // The light in head coordinates: undo the pose's rotation.
  const c = frame.a / s;
  const sn = frame.b / s;
  const lx = c * look.lightX + sn * look.lightY;
  const ly = -sn * look.lightX + c * look.lightY;
  const diffuse = 1 - look.ambient;
  const iry2 = 1 / (head.ry * head.ry);
  const [qIn2, qOut2] = ellipseBands(Math.min(head.rx * (1 - head.jaw), head.ry) * s, SKIN_EDGE);
  for (let row = box.y0; row < box.y1; row++) {
    let u = mapX(inv, box.x0 + 0.5, row + 0.5);
    let v = mapY(inv, box.x0 + 0.5, row + 0.5);
    for (let col = box.x0; col < box.x1; col++, u += inv.a, v += inv.b) {
      const rx = headHalfWidth(v, head);
      const irx2 = 1 / (rx * rx);
      const q2 = u * u * irx2 + v * v * iry2;
      if (q2 >= qOut2) continue;
      const cov = q2 <= qIn2 ? 1 : coverage(ellipseDistance(u, v, irx2, iry2, rx, head.ry) * s, SKIN_EDGE);
      if (cov === 0) continue;
      const nx = u / head.rx;
      const ny = v / head.ry;
      const nz = Math.sqrt(Math.max(0, 1 - nx * nx - ny * ny));
      const lambert = nx * lx + ny * ly + nz * look.lightZ;
      const light = look.ambient + diffuse * (lambert > 0 ? lambert : 0);
      const i = row * SIDE + col;
      albedo[i] += (look.skin - albedo[i]) * cov;
      shade[i] += (light - shade[i]) * cov;
    }
  }
}

/** Hair over the top of the head: the crown, cut off below a hairline that dips towards the temples. */
function paintHairCap(frame: Similarity, head: HeadModel, albedo: Layer, hair: number): void {
  const crown = hairCrown(frame, head);
  const crownV = -0.3 * head.ry;
  const hairline = head.hairline - head.v;
  const k = head.hairlineCurve;
  const widest = crown.rx + Math.abs(head.u);
  const lowest = Math.min(crownV + crown.ry, hairline + k * widest * widest) + 2;
  const box = pixelBox(frame, -crown.rx - 2, crownV - crown.ry - 2, crown.rx + 2, lowest);
  if (!box) return;
  const s = scaleOf(frame);
  const inv = invert(frame);
  const irx2 = 1 / (crown.rx * crown.rx);
  const iry2 = 1 / (crown.ry * crown.ry);
  const [qIn2, qOut2] = ellipseBands(Math.min(crown.rx, crown.ry) * s, HAIR_EDGE);
  for (let row = box.y0; row < box.y1; row++) {
    let u = mapX(inv, box.x0 + 0.5, row + 0.5);
    let v = mapY(inv, box.x0 + 0.5, row + 0.5);
    for (let col = box.x0; col < box.x1; col++, u += inv.a, v += inv.b) {
      const cv = v - crownV;
      const q2 = u * u * irx2 + cv * cv * iry2;
      if (q2 >= qOut2) continue;
      const fu = u + head.u; // the hairline is centred on the face's midline, not the head's
      const below = (v - (hairline + k * fu * fu)) / Math.sqrt(1 + 4 * k * k * fu * fu);
      const inCrown = q2 <= qIn2 ? -Infinity : ellipseDistance(u, cv, irx2, iry2, crown.rx, crown.ry);
      const cov = coverage(Math.max(below, inCrown) * s, HAIR_EDGE);
      if (cov === 0) continue;
      const i = row * SIDE + col;
      albedo[i] += (hair - albedo[i]) * cov;
    }
  }
}
