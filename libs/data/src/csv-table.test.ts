import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCsv, type RowDecoder } from './csv-table.ts';
import { DataFormatError } from './errors.ts';
import { readTrainingCsv } from './kaggle-csv.ts';
import { IMAGE_PIXELS, KEYPOINT_COLUMNS } from './keypoints.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csv-table-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let fileCount = 0;
async function fixture(content: string | Buffer): Promise<string> {
  const file = join(dir, `${fileCount++}.csv`);
  await writeFile(file, content);
  return file;
}

interface Table {
  header: readonly string[];
  /** [line, ...fields] per data row. */
  rows: (string | number)[][];
}

/** Reads `file` with `chunkBytes`-byte reads, keeping every row and its line. */
function readTable(file: string, chunkBytes?: number): Promise<Table> {
  return readCsv(
    file,
    (header): RowDecoder<Table> => {
      const rows: (string | number)[][] = [];
      return { decode: (fields, line) => rows.push([line, ...fields]), finish: () => ({ header, rows }) };
    },
    chunkBytes,
  );
}

async function failure(read: Promise<unknown>): Promise<DataFormatError> {
  const error = await read.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DataFormatError);
  return error as DataFormatError;
}

/** Every read size from 1 byte up, so that lines, CRLF pairs, a BOM and multi-byte characters are all split across reads. */
const CHUNK_SIZES = [1, 2, 3, 4, 5, 7, 11, 64, undefined];

describe('readCsv line and field splitting', () => {
  it.each(CHUNK_SIZES)('gives the same rows and physical lines whatever the read size (%s bytes)', async (chunkBytes) => {
    const text = '\ufeffa,b,c\r\n1,2,3\r\n\r\n"x,y","say ""hi""",\r\ncafé,ü,""\r\n\r\n,,\r\nlast,row,here';
    const table = await readTable(await fixture(text), chunkBytes);
    expect(table.header).toEqual(['a', 'b', 'c']);
    expect(table.rows).toEqual([
      [2, '1', '2', '3'],
      [4, 'x,y', 'say "hi"', ''],
      [5, 'café', 'ü', ''],
      [7, '', '', ''],
      [8, 'last', 'row', 'here'],
    ]);
  });

  it.each(CHUNK_SIZES)('reads LF and CR-only line ends (%s bytes)', async (chunkBytes) => {
    expect((await readTable(await fixture('a,b\n1,2\n\n3,4\n'), chunkBytes)).rows).toEqual([
      [2, '1', '2'],
      [4, '3', '4'],
    ]);
    // CR-only: a lone CR ends each line, and an LF is then data, as csv-parse had it.
    expect((await readTable(await fixture('a,b\r1,2\r\r3,4\n\r'), chunkBytes)).rows).toEqual([
      [2, '1', '2'],
      [4, '3', '4\n'],
    ]);
  });

  it('takes a CR before LF as part of the line end even when the first line end is CRLF and later ones LF', async () => {
    expect((await readTable(await fixture('a,b\r\n1,2\n3,4\r\n'))).rows).toEqual([
      [2, '1', '2'],
      [3, '3', '4'],
    ]);
  });

  it('reads a header with no line end, and a file of only a header with a CR', async () => {
    expect((await failure(readTable(await fixture('a,b')))).detail).toBe('no data rows after the header');
    expect((await failure(readTable(await fixture('a,b\r'), 1))).detail).toBe('no data rows after the header');
    expect((await failure(readTable(await fixture('\ufeff\r\n\r\n'), 2))).detail).toBe('the file is empty, expected a header line');
  });

  it('names file, line and column for malformed quoting', async () => {
    const unclosed = await fixture('a,b,c\n1,2,3\n4,"5,6\n7,8,9\n');
    expect((await failure(readTable(unclosed))).message).toBe(
      `${unclosed}:3: column b: malformed CSV: field 2 opens a quote that is not closed on this line (a field cannot span lines)`,
    );
    const afterClose = await fixture('a,b\n1,"2"x\n');
    expect((await failure(readTable(afterClose))).message).toBe(`${afterClose}:2: column b: malformed CSV: field 2 has "x" after its closing quote, expected a comma`);
    const inside = await fixture('a,b\n1,2\n\n1,2"3\n');
    expect((await failure(readTable(inside))).message).toBe(`${inside}:4: column b: malformed CSV: field 2 has a quote inside it; quote the whole field and double the quote ("a""b")`);
    const inHeader = await fixture('a,"b\n1,2\n');
    expect((await failure(readTable(inHeader))).message).toBe(`${inHeader}:1: malformed CSV: field 2 opens a quote that is not closed on this line (a field cannot span lines)`);
    const extraField = await fixture('a,b\n1,2,"3\n');
    expect((await failure(readTable(extraField))).column).toBeNull();
  });
});

describe('readTrainingCsv across 1 MiB reads', () => {
  it('decodes rows that straddle reads and reports lines after them', async () => {
    // About 33 KB a row, so 70 rows span three reads and many rows straddle two.
    const image = (seed: number) => Array.from({ length: IMAGE_PIXELS }, (_, i) => (i * 13 + seed) % 256);
    const row = (seed: number) => [...KEYPOINT_COLUMNS.map((_, c) => String(seed + c / 4)), image(seed).join(' ')].join(',');
    const lines = [[...KEYPOINT_COLUMNS, 'Image'].join(','), ...Array.from({ length: 70 }, (_, r) => row(r))];
    const text = lines.join('\r\n') + '\r\n';
    expect(text.length).toBeGreaterThan(2 * 2 ** 20);

    const data = await readTrainingCsv(await fixture(text));
    expect(data.rows).toBe(70);
    for (let r = 0; r < 70; r++) {
      expect(Array.from(data.pixels.subarray(r * IMAGE_PIXELS, (r + 1) * IMAGE_PIXELS))).toEqual(image(r));
      expect(data.targets[r * 30 + 29]).toBe(r + 29 / 4);
    }

    lines[65] = lines[65].replace(/ 13 /, ' 1x3 ');
    const bad = await fixture(lines.join('\n') + '\n');
    const error = await failure(readTrainingCsv(bad));
    expect([error.line, error.column]).toEqual([66, 'Image']);
  });
});
