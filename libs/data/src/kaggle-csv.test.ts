import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataFormatError } from './errors.ts';
import { readKaggleCsv, readTestCsv, readTrainingCsv } from './kaggle-csv.ts';
import { IMAGE_PIXELS, KEYPOINT_COLUMNS } from './keypoints.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kaggle-csv-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A distinct, recognisable image per seed: pixel i is (i * 7 + seed) mod 256. */
function imageValues(seed: number): number[] {
  return Array.from({ length: IMAGE_PIXELS }, (_, i) => (i * 7 + seed) % 256);
}

/** Coordinates for one training row; `missing` lists the column indices left empty. */
function coordinates(seed: number, missing: readonly number[] = []): string[] {
  return KEYPOINT_COLUMNS.map((_, c) => (missing.includes(c) ? '' : String(seed + c + 0.5)));
}

const TRAINING_HEADER = [...KEYPOINT_COLUMNS, 'Image'].join(',');

function trainingRow(seed: number, missing: readonly number[] = [], image = imageValues(seed).join(' ')): string {
  return [...coordinates(seed, missing), image].join(',');
}

let fileCount = 0;
async function fixture(name: string, text: string): Promise<string> {
  const file = join(dir, `${fileCount++}-${name}`);
  await writeFile(file, text);
  return file;
}

/** The DataFormatError a read rejects with. */
async function failure(read: Promise<unknown>): Promise<DataFormatError> {
  const error = await read.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DataFormatError);
  return error as DataFormatError;
}

describe('readKaggleCsv, training format', () => {
  it('reads targets (NaN where empty), row-major pixels and per-column counts', async () => {
    const file = await fixture('training.csv', [TRAINING_HEADER, trainingRow(1), trainingRow(2, [0, 1, 29]), trainingRow(3, [29])].join('\n') + '\n');
    const data = await readTrainingCsv(file);

    expect(data.format).toBe('training');
    expect(data.rows).toBe(3);
    expect(data.columns).toEqual(KEYPOINT_COLUMNS);
    expect(data.pixels).toBeInstanceOf(Uint8Array);
    expect(data.pixels.length).toBe(3 * IMAGE_PIXELS);
    expect(Array.from(data.pixels.subarray(IMAGE_PIXELS, 2 * IMAGE_PIXELS))).toEqual(imageValues(2));
    expect(data.targets).toBeInstanceOf(Float32Array);
    expect(data.targets.length).toBe(3 * 30);
    expect(data.targets[0]).toBe(1.5);
    expect(data.targets[29]).toBe(30.5);
    expect(Number.isNaN(data.targets[30])).toBe(true);
    expect(Number.isNaN(data.targets[31])).toBe(true);
    expect(data.targets[32]).toBe(4.5);
    expect(Number.isNaN(data.targets[59])).toBe(true);
    expect(Number.isNaN(data.targets[89])).toBe(true);

    expect(Object.keys(data.counts)).toEqual([...KEYPOINT_COLUMNS, 'Image']);
    expect(data.counts.left_eye_center_x).toBe(2);
    expect(data.counts.left_eye_center_y).toBe(2);
    expect(data.counts.right_eye_center_x).toBe(3);
    expect(data.counts.mouth_center_bottom_lip_y).toBe(1);
    expect(data.counts.Image).toBe(3);
  });

  it('maps columns by name whatever their order in the file', async () => {
    const header = ['Image', ...[...KEYPOINT_COLUMNS].reverse()].join(',');
    const row = [imageValues(5).join(' '), ...[...coordinates(5)].reverse()].join(',');
    const data = await readTrainingCsv(await fixture('reordered.csv', `${header}\n${row}\n`));
    expect(Array.from(data.targets)).toEqual(coordinates(5).map(Number));
    expect(Array.from(data.pixels)).toEqual(imageValues(5));
  });

  it('accepts a byte order mark, CRLF line ends, blank lines and no final newline', async () => {
    const text = '\ufeff' + [TRAINING_HEADER, trainingRow(1), '', trainingRow(2)].join('\r\n');
    const data = await readTrainingCsv(await fixture('crlf.csv', text));
    expect(data.rows).toBe(2);
    expect(data.pixels[IMAGE_PIXELS + 1]).toBe(imageValues(2)[1]);
    expect(data.pixels.length).toBe(2 * IMAGE_PIXELS);
  });

  it('grows its arrays when the line count underestimates the rows (CR-only line ends)', async () => {
    const rows = Array.from({ length: 20 }, (_, i) => trainingRow(i));
    const data = await readTrainingCsv(await fixture('cr.csv', [TRAINING_HEADER, ...rows].join('\r')));
    expect(data.rows).toBe(20);
    expect(data.pixels.length).toBe(20 * IMAGE_PIXELS);
    expect(data.targets.length).toBe(20 * 30);
    expect(Array.from(data.pixels.subarray(19 * IMAGE_PIXELS))).toEqual(imageValues(19));
    expect(data.targets[19 * 30]).toBe(19.5);
  });

  it('tolerates runs of spaces between pixels, as numpy does', async () => {
    const image = '  ' + imageValues(4).join('   ') + ' ';
    const data = await readTrainingCsv(await fixture('spaces.csv', `${TRAINING_HEADER}\n${trainingRow(4, [], image)}\n`));
    expect(Array.from(data.pixels)).toEqual(imageValues(4));
  });
});

describe('readKaggleCsv, test format', () => {
  it('reads image ids, pixels and counts, and detects the format from the header', async () => {
    const text = ['ImageId,Image', `1,${imageValues(1).join(' ')}`, `2,${imageValues(2).join(' ')}`].join('\n') + '\n';
    const file = await fixture('test.csv', text);
    const data = await readKaggleCsv(file);
    expect(data.format).toBe('test');
    if (data.format !== 'test') return;
    expect(Array.from(data.imageIds)).toEqual([1, 2]);
    expect(Array.from(data.pixels.subarray(IMAGE_PIXELS))).toEqual(imageValues(2));
    expect(data.counts).toEqual({ ImageId: 2, Image: 2 });
    expect((await readTestCsv(file)).rows).toBe(2);
  });

  it('refuses a file of the other format when one is asked for', async () => {
    const test = await fixture('test.csv', `ImageId,Image\n1,${imageValues(1).join(' ')}\n`);
    const training = await fixture('training.csv', `${TRAINING_HEADER}\n${trainingRow(1)}\n`);
    expect((await failure(readTrainingCsv(test))).message).toBe(`${test}:1: this is a test-format file (ImageId,Image), expected the training format`);
    expect((await failure(readTestCsv(training))).detail).toMatch(/this is a training-format file .*expected the test format/);
  });
});

describe('readKaggleCsv errors name the file, line and column', () => {
  it('wrong pixel count, saying how many were found', async () => {
    const short = imageValues(1).slice(0, IMAGE_PIXELS - 1).join(' ');
    const file = await fixture('training.csv', [TRAINING_HEADER, trainingRow(1), trainingRow(2, [], short)].join('\n'));
    const error = await failure(readTrainingCsv(file));
    expect(error.message).toBe(`${file}:3: column Image: expected 9216 pixels, found 9215`);
    expect([error.file, error.line, error.column]).toEqual([file, 3, 'Image']);

    const long = `${imageValues(1).join(' ')} 7 8`;
    const tooMany = await fixture('training.csv', [TRAINING_HEADER, trainingRow(1, [], long)].join('\n'));
    expect((await failure(readTrainingCsv(tooMany))).detail).toBe('expected 9216 pixels, found 9218');

    const empty = await fixture('test.csv', 'ImageId,Image\n1,\n');
    expect((await failure(readTestCsv(empty))).message).toBe(`${empty}:2: column Image: expected 9216 pixels, found 0`);
  });

  it.each([
    ['256', 'pixel 17 is "256", expected an integer 0..255'],
    ['12.5', 'pixel 17 is "12.5", expected an integer 0..255'],
    ['-1', 'pixel 17 is "-1", expected an integer 0..255'],
    ['x', 'pixel 17 is "x", expected an integer 0..255'],
  ])('a pixel that is not an integer 0..255 (%s), by index', async (bad, detail) => {
    const values: (number | string)[] = imageValues(1);
    values[17] = bad;
    const file = await fixture('training.csv', `${TRAINING_HEADER}\n${trainingRow(1, [], values.join(' '))}\n`);
    const error = await failure(readTrainingCsv(file));
    expect(error.message).toBe(`${file}:2: column Image: ${detail}`);
  });

  it('a coordinate that is not a number', async () => {
    const fields = coordinates(1);
    fields[3] = 'n/a';
    const file = await fixture('training.csv', `${TRAINING_HEADER}\n${trainingRow(1)}\n${[...fields, imageValues(1).join(' ')].join(',')}\n`);
    const error = await failure(readTrainingCsv(file));
    expect(error.message).toBe(`${file}:3: column right_eye_center_y: "n/a" is not a number`);
    expect(error.column).toBe('right_eye_center_y');
  });

  it('a missing header column', async () => {
    const header = [...KEYPOINT_COLUMNS.filter((c) => c !== 'nose_tip_y'), 'Image'].join(',');
    const row = [...coordinates(1).slice(0, 29), imageValues(1).join(' ')].join(',');
    const file = await fixture('training.csv', `${header}\n${row}\n`);
    const error = await failure(readTrainingCsv(file));
    expect(error.message).toBe(`${file}:1: column nose_tip_y: missing column nose_tip_y`);
  });

  it('a misspelled header column, suggesting the closest valid name', async () => {
    const file = await fixture('training.csv', `${TRAINING_HEADER.replace('left_eye_center_x', 'left_eye_centre_x')}\n${trainingRow(1)}\n`);
    const error = await failure(readTrainingCsv(file));
    expect(error.message).toBe(`${file}:1: column left_eye_centre_x: unknown column "left_eye_centre_x" (did you mean left_eye_center_x?); missing column left_eye_center_x`);

    const test = await fixture('test.csv', `ImageID,Image\n1,${imageValues(1).join(' ')}\n`);
    expect((await failure(readKaggleCsv(test))).detail).toBe('unknown column "ImageID" (did you mean ImageId?); missing column ImageId');
  });

  it('a repeated header column', async () => {
    const file = await fixture('training.csv', `${TRAINING_HEADER},nose_tip_x\n${trainingRow(1)},1\n`);
    expect((await failure(readTrainingCsv(file))).message).toBe(`${file}:1: column nose_tip_x: column nose_tip_x appears twice in the header`);
  });

  it('a file without a header line', async () => {
    const file = await fixture('training.csv', `${trainingRow(1)}\n`);
    expect((await failure(readKaggleCsv(file))).detail).toMatch(/^the first line is data, not a header; expected the columns left_eye_center_x,/);
  });

  it('an empty file, and a file with only a header', async () => {
    const empty = await fixture('empty.csv', '');
    expect((await failure(readKaggleCsv(empty))).message).toBe(`${empty}:1: the file is empty, expected a header line`);
    const blank = await fixture('blank.csv', '\n\n');
    expect((await failure(readKaggleCsv(blank))).detail).toBe('the file is empty, expected a header line');
    const headerOnly = await fixture('header.csv', `${TRAINING_HEADER}\n`);
    expect((await failure(readKaggleCsv(headerOnly))).message).toBe(`${headerOnly}:2: no data rows after the header`);
  });

  it('a row with the wrong number of fields', async () => {
    const truncated = coordinates(1).join(','); // the Image field is gone
    const file = await fixture('training.csv', [TRAINING_HEADER, trainingRow(1), trainingRow(2), truncated].join('\n'));
    const error = await failure(readTrainingCsv(file));
    expect(error.message).toBe(`${file}:4: column Image: expected 31 fields, found 30`);

    const extra = await fixture('test.csv', `ImageId,Image\n1,${imageValues(1).join(' ')},oops\n`);
    expect((await failure(readTestCsv(extra))).message).toBe(`${extra}:2: expected 2 fields, found 3`);
  });

  it('malformed CSV quoting, with its line', async () => {
    const file = await fixture('test.csv', `ImageId,Image\n1,${imageValues(1).join(' ')}\n"2,${imageValues(2).join(' ')}\n`);
    const error = await failure(readTestCsv(file));
    expect(error.line).toBe(3);
    expect(error.detail).toMatch(/^malformed CSV: /);
  });

  it('a bad or repeated ImageId', async () => {
    const bad = await fixture('test.csv', `ImageId,Image\nseven,${imageValues(1).join(' ')}\n`);
    expect((await failure(readTestCsv(bad))).message).toBe(`${bad}:2: column ImageId: "seven" is not an image id (a non-negative integer)`);
    const repeated = await fixture('test.csv', ['ImageId,Image', `4,${imageValues(1).join(' ')}`, `4,${imageValues(2).join(' ')}`].join('\n'));
    expect((await failure(readTestCsv(repeated))).message).toBe(`${repeated}:3: column ImageId: ImageId 4 repeats line 2`);
  });

  it('a file that does not exist, or is a directory', async () => {
    const missing = join(dir, 'no-such-training.csv');
    const error = await failure(readKaggleCsv(missing));
    expect(error.message).toBe(`${missing}: file not found`);
    expect([error.line, error.column]).toEqual([null, null]);
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOENT');

    const folder = join(dir, 'a-folder.csv');
    await mkdir(folder);
    expect((await failure(readKaggleCsv(folder))).message).toBe(`${folder}: is a directory, not a file`);
  });
});
