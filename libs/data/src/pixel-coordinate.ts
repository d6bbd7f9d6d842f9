import { IMAGE_SIDE } from './keypoints.ts';

/**
 * A predicted coordinate as Kaggle wants it: clipped to the image [0, 96], as
 * the shortest decimal that reads back as the same float32 (66.0339, not
 * 66.03389739990234).
 */
export function formatPixelCoordinate(px: number): string {
  const clipped = Math.fround(Math.min(IMAGE_SIDE, Math.max(0, px)));
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(clipped.toPrecision(digits));
    if (Math.fround(candidate) === clipped) return String(candidate);
  }
  return String(Number(clipped.toPrecision(9))); // 9 significant digits always round-trip a float32
}
