import type { FaceModel, HeadModel } from './face-model.ts';
import { SIDE, coverage, pixelBox, type Layer } from './layer.ts';
import { ellipseBands, ellipseDistance, fillBox, fillEllipse } from './shapes.ts';
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
  // The neck is in the head's shadow: its shading is folded into its albedo.
  fillBox(albedo, neck, 0.42 * head.rx, (neckBottom - neckTop) / 2, 4, look.skin * 0.65);
  fillEllipse(albedo, subFrame(frame, 0, head.ry + 28), head.rx * 1.6, 26, look.clothing);

  for (const side of [-1, 1]) {
    const ear = subFrame(frame, side * head.rx * 0.96, 3, side * 0.08, head.earSize);
    fillEllipse(albedo, ear, 4.5, 9, look.skin * 0.9);
    fillEllipse(albedo, subFrame(ear, side * 1.6, 0), 1.1, 5, look.skin * 0.6, 0.5, 1.3);
  }

  if (head.hair === 'long') {
    fillBox(albedo, subFrame(frame, 0, 25), head.rx + head.hairVolume + 2, 45, 14, look.hair);
  }
  paintHeadAndHair(face, frame, albedo, shade);
}

/** The mass of hair on top of the head, in head coordinates: an ellipse whose lower part hides behind the head's sides. */
function hairCrown(head: HeadModel): { v: number; rx: number; ry: number } {
  return { v: -0.3 * head.ry, rx: head.rx + 0.6 * head.hairVolume, ry: 0.75 * head.ry + head.hairVolume };
}

/**
 * One pass over the head: the crown of hair behind it, the skin with its
 * sphere-like lighting (into `shade`), and the hair over the top of the head,
 * cut off below a hairline that dips towards the temples.
 */
function paintHeadAndHair(face: FaceModel, frame: Similarity, albedo: Layer, shade: Layer): void {
  const { head, look } = face;
  const hasHair = head.hair !== 'bald';
  const crown = hairCrown(head);
  const top = hasHair ? Math.min(-head.ry, crown.v - crown.ry) : -head.ry;
  const halfWidth = hasHair ? Math.max(head.rx, crown.rx) : head.rx;
  const box = pixelBox(frame, -halfWidth - 2, top - 2, halfWidth + 2, head.ry + 2);
  if (!box) return;
  // Everything the loop needs, in locals: it visits a third of the image.
  const { rx, ry, jaw } = head;
  const { hair, skin, ambient, lightZ: lz } = look;
  const s = scaleOf(frame);
  const inv = invert(frame);
  const du = inv.a;
  const dv = inv.b;
  // The light in head coordinates: undo the pose's rotation.
  const c = frame.a / s;
  const sn = frame.b / s;
  const lx = c * look.lightX + sn * look.lightY;
  const ly = -sn * look.lightX + c * look.lightY;
  const diffuse = 1 - ambient;
  const irx = 1 / rx;
  const iry = 1 / ry;
  const iry2 = iry * iry;
  const [headIn2, headOut2] = ellipseBands(Math.min(rx * (1 - jaw), ry) * s, SKIN_EDGE);
  const crownV = crown.v;
  const crx2 = 1 / (crown.rx * crown.rx);
  const cry2 = 1 / (crown.ry * crown.ry);
  const [crownIn2, crownOut2] = hasHair ? ellipseBands(Math.min(crown.rx, crown.ry) * s, HAIR_EDGE) : [0, 0];
  const midline = head.u; // the hairline is centred on the face's midline, not the head's
  const hairline = head.hairline - head.v;
  const k = head.hairlineCurve;
  // Normal distance to the hairline is at least its vertical distance times this, so most
  // pixels are clearly above or below it without a square root.
  const widest = crown.rx + Math.abs(midline);
  const steepest = 1 / Math.sqrt(1 + 4 * k * k * widest * widest);
  const hairlineBand = (0.5 * HAIR_EDGE) / (s * steepest);
  for (let row = box.y0; row < box.y1; row++) {
    let u = mapX(inv, box.x0 + 0.5, row + 0.5);
    let v = mapY(inv, box.x0 + 0.5, row + 0.5);
    const rowStart = row * SIDE;
    for (let col = box.x0; col < box.x1; col++, u += du, v += dv) {
      let crownCov = 0;
      let crownDistance = -Infinity;
      const cv = v - crownV;
      const cq2 = u * u * crx2 + cv * cv * cry2; // (u/rx)^2 + (v/ry)^2 of the crown
      if (cq2 < crownOut2) {
        if (cq2 > crownIn2) crownDistance = ellipseDistance(u, cv, crx2, cry2, crown.rx, crown.ry);
        crownCov = coverage(crownDistance * s, HAIR_EDGE);
      }
      // Below the middle the head narrows towards the chin. Compares (u / rxHere)^2 + b^2
      // with the bands without dividing; only the anti-aliased rim needs the distance.
      const b = v * iry;
      const b2 = b * b;
      const rxHere = b > 0 ? rx * (1 - jaw * b2) : rx;
      const w2 = rxHere * rxHere;
      const u2 = u * u;
      let headCov = 0;
      if (u2 <= (headIn2 - b2) * w2) headCov = 1;
      else if (u2 < (headOut2 - b2) * w2) headCov = coverage(ellipseDistance(u, v, 1 / w2, iry2, rxHere, ry) * s, SKIN_EDGE);
      if (crownCov === 0 && headCov === 0) continue;
      const i = rowStart + col;
      let a = albedo[i];
      a += (hair - a) * crownCov;
      if (headCov > 0) {
        a += (skin - a) * headCov;
        const nx = u * irx;
        const nz2 = 1 - nx * nx - b2;
        const lambert = nx * lx + b * ly + (nz2 > 0 ? Math.sqrt(nz2) : 0) * lz;
        const light = ambient + diffuse * (lambert > 0 ? lambert : 0);
        shade[i] += (light - shade[i]) * headCov;
        if (crownCov > 0) {
          const fu = u + midline;
          const drop = v - (hairline + k * fu * fu);
          if (drop < hairlineBand) {
            const below = drop <= -hairlineBand ? -Infinity : drop / Math.sqrt(1 + 4 * k * k * fu * fu);
            a += (hair - a) * coverage(Math.max(below, crownDistance) * s, HAIR_EDGE);
          }
        }
      }
      albedo[i] = a;
    }
  }
}
