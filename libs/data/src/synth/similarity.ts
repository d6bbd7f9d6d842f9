/**
 * A similarity transform (uniform scale, rotation, translation) from a local
 * frame (u, v) to image pixels (x, y), y growing downwards:
 *
 *   x = a*u - b*v + tx,   y = b*u + a*v + ty,   a = scale*cos(angle), b = scale*sin(angle)
 *
 * The face and each of its parts are drawn in their own frames, and the
 * keypoints are mapped through the very same transforms, which is what makes
 * them exact.
 */
export interface Similarity {
  readonly a: number;
  readonly b: number;
  readonly tx: number;
  readonly ty: number;
}

export function similarity(scale: number, angle: number, tx: number, ty: number): Similarity {
  return { a: scale * Math.cos(angle), b: scale * Math.sin(angle), tx, ty };
}

/** The transform that applies `inner` first, then `outer`. */
export function compose(outer: Similarity, inner: Similarity): Similarity {
  return {
    a: outer.a * inner.a - outer.b * inner.b,
    b: outer.a * inner.b + outer.b * inner.a,
    tx: outer.a * inner.tx - outer.b * inner.ty + outer.tx,
    ty: outer.b * inner.tx + outer.a * inner.ty + outer.ty,
  };
}

/** A sub-frame of `parent`: origin at parent point (u, v), rotated by `angle` and scaled by `scale` relative to it. */
export function subFrame(parent: Similarity, u: number, v: number, angle = 0, scale = 1): Similarity {
  return compose(parent, similarity(scale, angle, u, v));
}

export function invert(t: Similarity): Similarity {
  const s2 = t.a * t.a + t.b * t.b;
  const a = t.a / s2;
  const b = -t.b / s2;
  return { a, b, tx: -(a * t.tx - b * t.ty), ty: -(b * t.tx + a * t.ty) };
}

/** Pixels per local unit. */
export function scaleOf(t: Similarity): number {
  return Math.hypot(t.a, t.b);
}

export function mapX(t: Similarity, u: number, v: number): number {
  return t.a * u - t.b * v + t.tx;
}

export function mapY(t: Similarity, u: number, v: number): number {
  return t.b * u + t.a * v + t.ty;
}
