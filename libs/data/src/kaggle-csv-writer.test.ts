// Tests ../kaggle-csv-writer.ts; kept with the synthetic data set it was written for.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeLookupTable, writeTestCsv, writeTrainingCsv } from './kaggle-csv-writer.ts';
import { IMAGE_PIXELS, KEYPOINT_COLUMNS } from './keypoints.ts';
import { synthesizeLookup } from './synth/lookup.ts';
import { synthesize } from './synth/synthesize.ts';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kfkd-csv-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readLines(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text.slice(0, -1).split('\n');
}

describe('kaggle-csv-writer', () => {
  it('round-trips a training set: 30 coordinates (empty when missing) then the image', async () => {
    const rows = 9;
    const { pixels, targets } = synthesize({ rows, seed: 3 });
    const path = join(dir, 'training.csv');
    await writeTrainingCsv(path, pixels, targets);
    const lines = await readLines(path);
    expect(lines[0]).toBe([...KEYPOINT_COLUMNS, 'Image'].join(','));
    expect(lines.length).toBe(rows + 1);
    for (let r = 0; r < rows; r++) {
      const fields = lines[r + 1].split(',');
      expect(fields.length).toBe(31);
      for (let c = 0; c < 30; c++) {
        const t = targets[r * 30 + c];
        if (Number.isNaN(t)) expect(fields[c]).toBe('');
        else expect(Math.abs(Number(fields[c]) - t)).toBeLessThanOrEqual(5.01e-5);
      }
      const image = fields[30].split(' ').map(Number);
      expect(image).toEqual(Array.from(pixels.subarray(r * IMAGE_PIXELS, (r + 1) * IMAGE_PIXELS)));
    }
  });

  it('formats coordinates compactly and exactly enough', async () => {
    const targets = new Float32Array(30).fill(NaN);
    const values = [0, 96, 12.5, 66.0335639098, 0.00001, -3.25, 0.99999, 7];
    values.forEach((v, k) => (targets[k] = v));
    const path = join(dir, 'formats.csv');
    await writeTrainingCsv(path, new Uint8Array(IMAGE_PIXELS), targets);
    const fields = (await readLines(path))[1].split(',');
    expect(fields.slice(0, values.length)).toEqual(['0', '96', '12.5', '66.0336', '0', '-3.25', '1', '7']);
    expect(fields.slice(values.length, 30).every((f) => f === '')).toBe(true);
    expect(fields[30]).toBe(Array(IMAGE_PIXELS).fill('0').join(' '));
  });

  it('writes test.csv with ImageIds from firstImageId', async () => {
    const { pixels } = synthesize({ rows: 3, seed: 4 });
    const path = join(dir, 'test.csv');
    await writeTestCsv(path, pixels, 10);
    const lines = await readLines(path);
    expect(lines[0]).toBe('ImageId,Image');
    expect(lines.length).toBe(4);
    lines.slice(1).forEach((line, r) => {
      const [id, image] = line.split(',');
      expect(id).toBe(String(10 + r));
      expect(image.split(' ').map(Number)).toEqual(Array.from(pixels.subarray(r * IMAGE_PIXELS, (r + 1) * IMAGE_PIXELS)));
    });
  });

  it('writes IdLookupTable.csv with an empty Location', async () => {
    const rows = synthesizeLookup({ images: 40, seed: 2 });
    const path = join(dir, 'IdLookupTable.csv');
    await writeLookupTable(path, rows);
    const lines = await readLines(path);
    expect(lines[0]).toBe('RowId,ImageId,FeatureName,Location');
    expect(lines.slice(1)).toEqual(rows.map((r) => `${r.rowId},${r.imageId},${r.featureName},`));
  });

  it('spans several write chunks and leaves no temporary files', async () => {
    const rows = 150; // ~5 MB, more than one 4 MB chunk
    const pixels = new Uint8Array(rows * IMAGE_PIXELS).map((_, i) => (i * 7) % 256);
    const path = join(dir, 'big.csv');
    await writeTestCsv(path, pixels);
    const lines = await readLines(path);
    expect(lines.length).toBe(rows + 1);
    const last = lines[rows].split(',')[1].split(' ').map(Number);
    expect(last).toEqual(Array.from(pixels.subarray((rows - 1) * IMAGE_PIXELS)));
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('fails without leaving a file behind', async () => {
    const path = join(dir, 'bad.csv');
    await expect(writeTrainingCsv(path, new Uint8Array(IMAGE_PIXELS), new Float32Array(29))).rejects.toThrow(RangeError);
    await expect(writeTrainingCsv(path, new Uint8Array(IMAGE_PIXELS), new Float32Array(30).fill(Infinity))).rejects.toThrow(RangeError);
    const missing = join(dir, 'no-such-dir', 'x.csv');
    const error = await writeTestCsv(missing, new Uint8Array(IMAGE_PIXELS)).catch((e: unknown) => e);
    // Like atomic-write.ts: the message names the target, not the temporary file, and the code is kept.
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(`cannot write ${missing}: no such file or directory (ENOENT)`);
    expect((error as NodeJS.ErrnoException).code).toBe('ENOENT');
    const left = await readdir(dir);
    expect(left.filter((f) => f.startsWith('bad.csv') || f.includes('.bad.csv.'))).toEqual([]);
  });
});
