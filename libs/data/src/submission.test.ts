import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataFormatError } from './errors.ts';
import { KEYPOINT_COLUMNS } from './keypoints.ts';
import { formatSubmission, readLookupTable, writeSubmission, type LookupTable, type PredictionTable } from './submission.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'submission-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let fileCount = 0;
async function fixture(text: string): Promise<string> {
  const file = join(dir, `${fileCount++}-IdLookupTable.csv`);
  await writeFile(file, text);
  return file;
}

const LOOKUP_TEXT = [
  'RowId,ImageId,FeatureName,Location',
  '1,2,left_eye_center_x,',
  '2,2,nose_tip_y,',
  '3,1,left_eye_center_x,',
  '4,1,mouth_center_bottom_lip_y,',
].join('\n') + '\n';

/** Predictions for images 1 and 2: each value is imageId * 100 + column index, then clipped when written. */
function predictions(imageIds: number[], columns: readonly string[] = KEYPOINT_COLUMNS): PredictionTable {
  const values = new Float32Array(imageIds.length * columns.length);
  imageIds.forEach((id, r) => columns.forEach((_, c) => (values[r * columns.length + c] = id * 100 + c)));
  return { imageIds, columns, values };
}

async function failure(action: Promise<unknown> | (() => unknown)): Promise<DataFormatError> {
  let error: unknown;
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(DataFormatError);
  return error as DataFormatError;
}

describe('readLookupTable', () => {
  it('reads the rows in file order', async () => {
    const lookup = await readLookupTable(await fixture(LOOKUP_TEXT));
    expect(lookup.rows).toBe(4);
    expect(Array.from(lookup.rowIds)).toEqual([1, 2, 3, 4]);
    expect(Array.from(lookup.imageIds)).toEqual([2, 2, 1, 1]);
    expect(lookup.featureNames).toEqual(['left_eye_center_x', 'nose_tip_y', 'left_eye_center_x', 'mouth_center_bottom_lip_y']);
    expect(Array.from(lookup.lines)).toEqual([2, 3, 4, 5]);
  });

  it('names file, line and column for a misspelled header, unknown keypoint, bad or repeated RowId', async () => {
    const header = await fixture(LOOKUP_TEXT.replace('FeatureName', 'Featurename'));
    expect((await failure(readLookupTable(header))).message).toBe(`${header}:1: column Featurename: unknown column "Featurename" (did you mean FeatureName?); missing column FeatureName`);
    const feature = await fixture(LOOKUP_TEXT.replace('nose_tip_y', 'nose_tip_z'));
    expect((await failure(readLookupTable(feature))).message).toBe(`${feature}:3: column FeatureName: unknown keypoint "nose_tip_z" (did you mean nose_tip_x?)`);
    const rowId = await fixture(LOOKUP_TEXT.replace('3,1,', '3.5,1,'));
    expect((await failure(readLookupTable(rowId))).message).toBe(`${rowId}:4: column RowId: "3.5" is not an id (a non-negative integer)`);
    const repeated = await fixture(LOOKUP_TEXT.replace('3,1,', '1,1,'));
    expect((await failure(readLookupTable(repeated))).message).toBe(`${repeated}:4: column RowId: RowId 1 repeats line 2`);
    const fields = await fixture(LOOKUP_TEXT.replace('2,2,nose_tip_y,', '2,2,nose_tip_y'));
    expect((await failure(readLookupTable(fields))).message).toBe(`${fields}:3: column Location: expected 4 fields, found 3`);
    const missing = join(dir, 'IdLookupTable-missing.csv');
    expect((await failure(readLookupTable(missing))).message).toBe(`${missing}: file not found`);
  });
});

describe('writeSubmission', () => {
  let lookup: LookupTable;
  beforeAll(async () => {
    lookup = await readLookupTable(await fixture(LOOKUP_TEXT));
  });

  it('writes RowId,Location in lookup order, in pixels clipped to [0, 96]', async () => {
    const table = predictions([1, 2]);
    table.values[0] = -3.25; // image 1, left_eye_center_x
    table.values[30] = 66.0339; // image 2, left_eye_center_x
    table.values[30 + 21] = 101; // image 2, nose_tip_y
    table.values[29] = 95.5; // image 1, mouth_center_bottom_lip_y
    const file = join(dir, 'submission.csv');
    await writeSubmission(file, lookup, table);
    expect(await readFile(file, 'utf8')).toBe('RowId,Location\n1,66.0339\n2,96\n3,0\n4,95.5\n');
  });

  it('accepts predictions with other columns in another order', () => {
    const columns = ['mouth_center_bottom_lip_y', 'left_eye_center_x', 'nose_tip_y'];
    const table: PredictionTable = { imageIds: [2, 1], columns, values: Float32Array.from([1, 2, 3, 4, 5, 6]) };
    expect(formatSubmission(lookup, table)).toBe('RowId,Location\n1,2\n2,3\n3,5\n4,4\n');
  });

  it('names the RowId when the predictions lack its ImageId or FeatureName, or hold NaN for it', async () => {
    const noImage = await failure(() => formatSubmission(lookup, predictions([2])));
    expect(noImage.message).toBe(`${lookup.file}:4: column ImageId: RowId 3: the predictions have no ImageId 1`);
    const noColumn = await failure(() => formatSubmission(lookup, predictions([1, 2], KEYPOINT_COLUMNS.slice(0, 20))));
    expect(noColumn.message).toBe(`${lookup.file}:3: column FeatureName: RowId 2: the predictions have no column nose_tip_y`);
    const nan = predictions([1, 2]);
    nan.values[29] = NaN;
    expect((await failure(() => formatSubmission(lookup, nan))).detail).toBe('RowId 4: the prediction of mouth_center_bottom_lip_y for ImageId 1 is NaN');
  });

  it('leaves an existing file untouched and no temporary file behind when it fails', async () => {
    const sub = await mkdtemp(join(dir, 'atomic-'));
    const file = join(sub, 'submission.csv');
    await writeFile(file, 'previous\n');
    await failure(writeSubmission(file, lookup, predictions([2])));
    expect(await readFile(file, 'utf8')).toBe('previous\n');
    expect(await readdir(sub)).toEqual(['submission.csv']);

    await writeSubmission(file, lookup, predictions([1, 2]));
    expect((await readFile(file, 'utf8')).split('\n')[0]).toBe('RowId,Location');
    expect(await readdir(sub)).toEqual(['submission.csv']);
  });

  it('reports a directory it cannot write to', async () => {
    const file = join(dir, 'no-such-dir', 'submission.csv');
    await expect(writeSubmission(file, lookup, predictions([1, 2]))).rejects.toThrow(`cannot write ${file}: `);
  });

  it('rejects a prediction table whose shape is wrong', () => {
    const table = predictions([1, 2]);
    expect(() => formatSubmission(lookup, { ...table, values: table.values.subarray(1) })).toThrow('predictions hold 59 values, expected 2 images x 30 columns');
    expect(() => formatSubmission(lookup, { ...table, imageIds: [1, 1] })).toThrow('predictions repeat ImageId 1');
  });
});
