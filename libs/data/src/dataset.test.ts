import { describe, expect, it } from 'vitest';
import {
  gather,
  materialiseBatch,
  scalePixels,
  scaleTargets,
  selectComplete,
  shuffleSplit,
  unscaleTargets,
  validationSize,
  type KeypointDataset,
} from './dataset.ts';
import { IMAGE_PIXELS } from './keypoints.ts';
import { Rng } from './rng.ts';

/** Row r has every pixel equal to r and targets [r*10 + c]; `missing` holds [row, column] pairs set to NaN. */
function dataset(rows: number, columns: string[], missing: [number, number][] = []): KeypointDataset {
  const pixels = new Uint8Array(rows * IMAGE_PIXELS);
  const targets = new Float32Array(rows * columns.length);
  for (let r = 0; r < rows; r++) {
    pixels.fill(r, r * IMAGE_PIXELS, (r + 1) * IMAGE_PIXELS);
    for (let c = 0; c < columns.length; c++) targets[r * columns.length + c] = r * 10 + c;
  }
  for (const [r, c] of missing) targets[r * columns.length + c] = NaN;
  return { pixels, targets, columns, rows };
}

const COLUMNS = ['nose_tip_x', 'nose_tip_y', 'left_eye_center_x', 'left_eye_center_y'];

describe('selectComplete', () => {
  it('keeps only the rows where every selected column is present, with those columns in the order asked', () => {
    const data = dataset(5, COLUMNS, [[1, 0], [2, 3], [4, 2]]);
    const nose = selectComplete(data, ['nose_tip_y', 'nose_tip_x']);
    expect(nose.rows).toBe(4);
    expect(nose.columns).toEqual(['nose_tip_y', 'nose_tip_x']);
    expect(Array.from(nose.targets)).toEqual([1, 0, 21, 20, 31, 30, 41, 40]);
    expect([0, 1, 2, 3].map((i) => nose.pixels[i * IMAGE_PIXELS])).toEqual([0, 2, 3, 4]);
    expect(nose.pixels.length).toBe(4 * IMAGE_PIXELS);
  });

  it('uses all columns by default', () => {
    const all = selectComplete(dataset(5, COLUMNS, [[1, 0], [2, 3], [4, 2]]));
    expect(all.rows).toBe(2);
    expect(all.columns).toEqual(COLUMNS);
    expect(Array.from(all.targets)).toEqual([0, 1, 2, 3, 30, 31, 32, 33]);
  });

  it('rejects unknown (suggesting the closest), repeated or no columns', () => {
    const data = dataset(2, COLUMNS);
    expect(() => selectComplete(data, ['nose_tipx'])).toThrow('unknown column nose_tipx (did you mean nose_tip_x?)');
    expect(() => selectComplete(data, ['nose_tip_x', 'nose_tip_x'])).toThrow('column nose_tip_x is selected twice');
    expect(() => selectComplete(data, [])).toThrow('select at least one column');
  });
});

describe('scaling', () => {
  it('maps pixels 0..255 to float32 [0, 1]', () => {
    const x = scalePixels(Uint8Array.from([0, 51, 255]));
    expect(x).toBeInstanceOf(Float32Array);
    expect(Array.from(x)).toEqual([0, Math.fround(0.2), 1]);
  });

  it('maps targets to (px - 48) / 48 and back, keeping NaN', () => {
    const px = Float32Array.from([0, 48, 96, 66.0339, NaN]);
    const scaled = scaleTargets(px);
    expect(Array.from(scaled.subarray(0, 3))).toEqual([-1, 0, 1]);
    expect(Number.isNaN(scaled[4])).toBe(true);
    const back = unscaleTargets(scaled);
    for (let i = 0; i < 4; i++) expect(back[i]).toBeCloseTo(px[i], 4);
    expect(Number.isNaN(back[4])).toBe(true);
  });
});

describe('shuffleSplit', () => {
  it('holds out the first ceil(n/5) shuffled rows for validation: 2140 rows give 428 valid, 1712 train', () => {
    const split = shuffleSplit({ rows: 2140 });
    expect(split.valid.length).toBe(428);
    expect(split.train.length).toBe(1712);
    const order = new Rng(42).permutation(2140);
    expect(Array.from(split.valid)).toEqual(Array.from(order.subarray(0, 428)));
    expect(Array.from(split.train)).toEqual(Array.from(order.subarray(428)));
  });

  it('rounds the validation size up', () => {
    expect(shuffleSplit({ rows: 2141 }).valid.length).toBe(429);
    expect([0, 1, 4, 5, 6, 7049].map((n) => validationSize(n, 0.2))).toEqual([0, 1, 1, 1, 2, 1410]);
    expect(validationSize(10, 0.5)).toBe(5);
    expect(validationSize(100, 0)).toBe(0);
  });

  it('is deterministic for a seed, 42 by default, and differs between seeds', () => {
    const a = shuffleSplit({ rows: 100 });
    expect(shuffleSplit({ rows: 100 }, { seed: 42 })).toEqual(a);
    expect(shuffleSplit({ rows: 100 }, { seed: 7 }).valid).not.toEqual(a.valid);
  });

  it('partitions the rows', () => {
    const { train, valid } = shuffleSplit({ rows: 57 }, { seed: 3 });
    expect([...train, ...valid].sort((p, q) => p - q)).toEqual(Array.from({ length: 57 }, (_, i) => i));
  });

  it('rejects a validation fraction that is not 0 or in (0, 2/3)', () => {
    for (const bad of [-0.1, 0.8, 1, NaN]) expect(() => shuffleSplit({ rows: 10 }, { validFraction: bad })).toThrow(RangeError);
    expect(shuffleSplit({ rows: 10 }, { validFraction: 0 }).train.length).toBe(10);
  });
});

describe('gather and materialiseBatch', () => {
  const data = dataset(4, COLUMNS);

  it('gather copies the given rows, in order', () => {
    const subset = gather(data, [3, 1]);
    expect(subset.rows).toBe(2);
    expect([subset.pixels[0], subset.pixels[IMAGE_PIXELS]]).toEqual([3, 1]);
    expect(Array.from(subset.targets)).toEqual([30, 31, 32, 33, 10, 11, 12, 13]);
    subset.pixels[0] = 99;
    expect(data.pixels[3 * IMAGE_PIXELS]).toBe(3);
  });

  it('materialiseBatch scales the given rows to the nets units', () => {
    const { x, y } = materialiseBatch(data, Uint32Array.from([2]));
    expect(x.length).toBe(IMAGE_PIXELS);
    expect(x[0]).toBe(Math.fround(2 / 255));
    expect(Array.from(y)).toEqual([20, 21, 22, 23].map((px) => Math.fround((px - 48) / 48)));
  });

  it('rejects a row index outside the data set', () => {
    expect(() => gather(data, [4])).toThrow('row index 4 is outside the data set\'s 4 rows');
    expect(() => materialiseBatch(data, [-1])).toThrow(RangeError);
  });
});
