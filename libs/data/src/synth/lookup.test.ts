import { describe, expect, it } from 'vitest';
import { KEYPOINT_COLUMNS } from '../keypoints.ts';
import { synthesizeLookup } from './lookup.ts';
import { ALWAYS_LABELLED_COLUMNS, synthesize } from './synthesize.ts';

const EIGHT = ALWAYS_LABELLED_COLUMNS.map((c) => KEYPOINT_COLUMNS[c]);

describe('synthesizeLookup', () => {
  it('numbers rows from 1 in ImageId then column order, asking for 30 or the 8 always-labelled features', () => {
    const rows = synthesizeLookup({ images: 2000, seed: 4 });
    expect(rows.every((row, k) => row.rowId === k + 1)).toBe(true);
    const byImage = new Map<number, string[]>();
    for (const row of rows) {
      const features = byImage.get(row.imageId) ?? [];
      features.push(row.featureName);
      byImage.set(row.imageId, features);
    }
    expect([...byImage.keys()]).toEqual(Array.from({ length: 2000 }, (_, k) => k + 1));
    let full = 0;
    for (const features of byImage.values()) {
      if (features.length === 30) {
        full++;
        expect(features).toEqual([...KEYPOINT_COLUMNS]);
      } else {
        expect(features).toEqual(EIGHT);
      }
    }
    expect(full / 2000).toBeGreaterThan(0.26);
    expect(full / 2000).toBeLessThan(0.34);
  });

  it('is deterministic and starts at firstImageId', () => {
    const a = synthesizeLookup({ images: 50, seed: 8, firstImageId: 101 });
    expect(synthesizeLookup({ images: 50, seed: 8, firstImageId: 101 })).toEqual(a);
    expect(a[0].imageId).toBe(101);
    expect(a.at(-1)!.imageId).toBe(150);
  });

  it('asks for all features exactly on the images the same seed labels fully', () => {
    const images = 12;
    const { targets } = synthesize({ rows: images, seed: 21 });
    const rows = synthesizeLookup({ images, seed: 21 });
    for (let k = 0; k < images; k++) {
      const complete = !targets.subarray(k * 30, (k + 1) * 30).some(Number.isNaN);
      expect(rows.filter((r) => r.imageId === k + 1).length).toBe(complete ? 30 : 8);
    }
  });
});
