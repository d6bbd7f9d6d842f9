import { describe, expect, it } from 'vitest';
import { IMAGE_PIXELS, KEYPOINT_COLUMNS } from '../keypoints.ts';
import { ALWAYS_LABELLED_COLUMNS, drawFullLabels, rowRng, synthesize } from './synthesize.ts';

const COLUMNS = KEYPOINT_COLUMNS.length;

describe('synthesize', () => {
  it('is byte-identical for the same options and differs for another seed', () => {
    const a = synthesize({ rows: 6, seed: 5 });
    const b = synthesize({ rows: 6, seed: 5 });
    const c = synthesize({ rows: 6, seed: 6 });
    expect(a.pixels.length).toBe(6 * IMAGE_PIXELS);
    expect(a.targets.length).toBe(6 * COLUMNS);
    expect(Buffer.from(b.pixels).equals(Buffer.from(a.pixels))).toBe(true);
    expect(Buffer.from(b.targets.buffer).equals(Buffer.from(a.targets.buffer))).toBe(true);
    expect(Buffer.from(c.pixels).equals(Buffer.from(a.pixels))).toBe(false);
  });

  it('makes row i depend only on (seed, i), so chunks concatenate to the whole', () => {
    const whole = synthesize({ rows: 7, seed: 9 });
    const head = synthesize({ rows: 3, seed: 9 });
    const tail = synthesize({ rows: 4, seed: 9, firstRow: 3 });
    expect(Buffer.concat([head.pixels, tail.pixels]).equals(Buffer.from(whole.pixels))).toBe(true);
    expect([...head.targets, ...tail.targets]).toEqual([...whole.targets]);
  });

  it('labels either all 30 columns or exactly the 8 always-labelled ones', () => {
    const { targets } = synthesize({ rows: 60, seed: 2 });
    let complete = 0;
    for (let r = 0; r < 60; r++) {
      const row = targets.subarray(r * COLUMNS, (r + 1) * COLUMNS);
      const labelled = [...row.keys()].filter((c) => !Number.isNaN(row[c]));
      if (labelled.length === COLUMNS) complete++;
      else expect(labelled).toEqual([...ALWAYS_LABELLED_COLUMNS]);
      for (const c of labelled) expect(row[c]).toBeGreaterThan(0);
    }
    expect(complete).toBeGreaterThan(5);
    expect(complete).toBeLessThan(35);
  });

  it('leaves about 70% of rows partly labelled, like Kaggle', () => {
    // The choice is the first draw of each row's generator; check it on many rows without rendering.
    const rows = 20_000;
    let partial = 0;
    for (let r = 0; r < rows; r++) if (!drawFullLabels(rowRng(123, r), 0.3)) partial++;
    expect(partial / rows).toBeGreaterThan(0.68);
    expect(partial / rows).toBeLessThan(0.72);
  });

  it('honours labelAllFraction and validates its options', () => {
    const all = synthesize({ rows: 5, seed: 1, labelAllFraction: 1 });
    expect(all.targets.some(Number.isNaN)).toBe(false);
    const none = synthesize({ rows: 5, seed: 1, labelAllFraction: 0 });
    expect(none.targets.filter((t) => !Number.isNaN(t)).length).toBe(5 * ALWAYS_LABELLED_COLUMNS.length);
    expect(Buffer.from(none.pixels).equals(Buffer.from(all.pixels))).toBe(true);
    expect(() => synthesize({ rows: -1, seed: 1 })).toThrow(RangeError);
    expect(() => synthesize({ rows: 1, seed: 1, labelAllFraction: 2 })).toThrow(RangeError);
  });

  it('has the 8 always-labelled columns: eye centres, nose tip, bottom lip', () => {
    expect(ALWAYS_LABELLED_COLUMNS.map((c) => KEYPOINT_COLUMNS[c])).toEqual([
      'left_eye_center_x', 'left_eye_center_y', 'right_eye_center_x', 'right_eye_center_y',
      'nose_tip_x', 'nose_tip_y', 'mouth_center_bottom_lip_x', 'mouth_center_bottom_lip_y',
    ]);
  });
});
