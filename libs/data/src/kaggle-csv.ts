import { createReadStream } from 'node:fs';
import { CsvError, parse } from 'csv-parse';
import type { KeypointDataset } from './dataset.ts';
import { DataFormatError, didYouMean, type DataLocation } from './errors.ts';
import { IMAGE_PIXELS, KEYPOINT_COLUMNS } from './keypoints.ts';
import { decodePixelField } from './pixel-field.ts';

/** training.csv: the 30 keypoint columns in pixels and the 96x96 images. */
export interface KaggleTrainingData extends KeypointDataset {
  readonly format: 'training';
  readonly file: string;
  /** Always KEYPOINT_COLUMNS, whatever the column order in the file. */
  readonly columns: readonly string[];
  /** Non-missing values per column, like pandas' df.count(): the 30 keypoint columns, then Image. */
  readonly counts: Readonly<Record<string, number>>;
}

/** test.csv: images to predict, each with its Kaggle ImageId. */
export interface KaggleTestData {
  readonly format: 'test';
  readonly file: string;
  readonly rows: number;
  /** rows x 9216 grey levels 0..255; each image is 96x96, row-major. */
  readonly pixels: Uint8Array;
  readonly imageIds: Int32Array;
  /** Non-missing values per column: ImageId, Image. */
  readonly counts: Readonly<Record<string, number>>;
}

export type KaggleData = KaggleTrainingData | KaggleTestData;

const IMAGE = 'Image';
const IMAGE_ID = 'ImageId';
const TRAINING_COLUMNS: readonly string[] = [...KEYPOINT_COLUMNS, IMAGE];
const TEST_COLUMNS: readonly string[] = [IMAGE_ID, IMAGE];

/**
 * Reads a Kaggle training.csv or test.csv, telling them apart by the header.
 * The file is streamed, so memory stays near the decoded pixels (9216 bytes a
 * row) rather than the text (about 3.7 bytes a pixel). Any bad row rejects
 * the promise with a DataFormatError naming file, line and column; a partial
 * data set is never returned.
 */
export async function readKaggleCsv(file: string): Promise<KaggleData> {
  return readKaggle(file, undefined);
}

/** Reads training.csv; a test-format file is an error. */
export async function readTrainingCsv(file: string): Promise<KaggleTrainingData> {
  return (await readKaggle(file, 'training')) as KaggleTrainingData;
}

/** Reads test.csv; a training-format file is an error. */
export async function readTestCsv(file: string): Promise<KaggleTestData> {
  return (await readKaggle(file, 'test')) as KaggleTestData;
}

async function readKaggle(file: string, wanted: KaggleData['format'] | undefined): Promise<KaggleData> {
  // Counting lines first (a cheap byte scan) sizes the arrays exactly, so
  // they never need to be regrown and copied while the file is parsed.
  const dataLines = Math.max(0, (await countLines(file)) - 1);
  return readCsv<KaggleData>(file, (header) => {
    const format = looksLikeTraining(header) ? 'training' : 'test';
    if (wanted !== undefined && format !== wanted) {
      throw new DataFormatError({ file, line: 1, column: null }, `this is a ${format}-format file (${listHeader(header)}), expected the ${wanted} format`);
    }
    return format === 'training' ? new TrainingRows(file, header, dataLines) : new TestRows(file, header, dataLines);
  });
}

function listHeader(header: readonly string[]): string {
  return header.length <= 3 ? header.join(',') : `${header.slice(0, 3).join(',')},...`;
}

function looksLikeTraining(header: readonly string[]): boolean {
  return header.length > TEST_COLUMNS.length || header.some((name) => KEYPOINT_COLUMNS.includes(name));
}

/** Decodes the data rows of one CSV format and assembles the result. */
export interface RowDecoder<T> {
  /** `fields` has already been checked to have one field per header column. */
  decode(fields: readonly string[], line: number): void;
  finish(): T;
}

/**
 * Streams a CSV file through csv-parse: the header goes to `start`, which
 * checks it and returns the decoder for the data rows. Every failure, from
 * a missing file to a bad field, becomes a DataFormatError.
 */
export async function readCsv<T>(file: string, start: (header: readonly string[]) => RowDecoder<T>): Promise<T> {
  let header: readonly string[] = [];
  let decoder: RowDecoder<T> | undefined;
  let dataRows = 0;
  for await (const { fields, line } of csvRows(file)) {
    if (decoder === undefined) {
      header = fields;
      decoder = start(fields);
      continue;
    }
    if (fields.length !== header.length) throw fieldCountError(file, line, fields.length, header);
    decoder.decode(fields, line);
    dataRows++;
  }
  if (decoder === undefined) throw new DataFormatError({ file, line: 1, column: null }, 'the file is empty, expected a header line');
  if (dataRows === 0) throw new DataFormatError({ file, line: 2, column: null }, 'no data rows after the header');
  return decoder.finish();
}

function fieldCountError(file: string, line: number, found: number, header: readonly string[]): DataFormatError {
  // Name the first column without a field: usually what a truncated row lost.
  const column = found < header.length ? header[found] : null;
  return new DataFormatError({ file, line, column }, `expected ${header.length} fields, found ${found}`);
}

interface CsvRow {
  readonly fields: string[];
  /** 1-based physical line of the row. */
  readonly line: number;
}

async function* csvRows(file: string): AsyncGenerator<CsvRow> {
  const input = createReadStream(file);
  const parser = parse({ info: true, bom: true, relax_column_count: true, skip_empty_lines: true });
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      yield { fields: record, line: info.lines };
    }
  } catch (error) {
    throw readFailure(file, error);
  } finally {
    input.destroy();
    parser.destroy();
  }
}

/** Counts lines (newlines, plus an unterminated last line) by scanning raw bytes. */
async function countLines(file: string): Promise<number> {
  let newlines = 0;
  let lastByte = 0x0a;
  try {
    for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
      for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) newlines++;
      if (chunk.length > 0) lastByte = chunk[chunk.length - 1];
    }
  } catch (error) {
    throw readFailure(file, error);
  }
  return lastByte === 0x0a ? newlines : newlines + 1;
}

/** A DataFormatError for a file that cannot be opened or read, or whose CSV syntax is broken. */
function readFailure(file: string, error: unknown): DataFormatError {
  if (error instanceof DataFormatError) return error;
  if (error instanceof CsvError) {
    const line = typeof error.lines === 'number' ? error.lines : null;
    return new DataFormatError({ file, line, column: null }, `malformed CSV: ${error.message}`, { cause: error });
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const problem =
    code === 'ENOENT' ? 'file not found'
    : code === 'EISDIR' ? 'is a directory, not a file'
    : code === 'EACCES' ? 'permission denied'
    : `cannot read the file: ${error instanceof Error ? error.message : String(error)}`;
  return new DataFormatError({ file, line: null, column: null }, problem, { cause: error });
}

/**
 * A checked header: the position of each expected column in the file.
 * Columns may come in any order; unknown, repeated or missing ones are errors.
 */
export class HeaderColumns {
  private readonly positions: ReadonlyMap<string, number>;

  constructor(file: string, header: readonly string[], expected: readonly string[]) {
    const at = (column: string | null): DataLocation => ({ file, line: 1, column });
    const known = header.filter((name) => expected.includes(name));
    if (known.length === 0 && header.length > 0 && isNumeric(header[0])) {
      throw new DataFormatError(at(null), `the first line is data, not a header; expected the columns ${expected.join(',')}`);
    }
    const positions = new Map<string, number>();
    header.forEach((name, i) => {
      if (positions.has(name)) throw new DataFormatError(at(name), `column ${name} appears twice in the header`);
      positions.set(name, i);
    });
    const missing = expected.filter((name) => !positions.has(name));
    const unknown = header.filter((name) => !expected.includes(name));
    const problems: string[] = unknown.map((name) => `unknown column ${JSON.stringify(name)}${didYouMean(name, missing.length > 0 ? missing : expected)}`);
    if (missing.length > 0) problems.push(`missing ${missing.length === 1 ? 'column' : 'columns'} ${listNames(missing)}`);
    if (problems.length > 0) throw new DataFormatError(at(unknown[0] ?? missing[0]), problems.join('; '));
    this.positions = positions;
  }

  /** The field index of an expected column. */
  indexOf(column: string): number {
    return this.positions.get(column)!;
  }
}

function listNames(names: readonly string[]): string {
  const shown = 6;
  return names.length <= shown ? names.join(', ') : `${names.slice(0, shown).join(', ')} and ${names.length - shown} more`;
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_NEGATIVE_INTEGER = /^\d{1,9}$/;

function isNumeric(text: string): boolean {
  return DECIMAL.test(text);
}

/**
 * Rows with an Image field, decoded into arrays sized for `capacity` rows;
 * the arrays grow only if the line count fell short (e.g. CR-only line ends).
 */
abstract class ImageRows<T> implements RowDecoder<T> {
  protected rows = 0;
  protected capacity: number;
  protected pixels: Uint8Array;
  protected readonly columns: HeaderColumns;
  private readonly imageIndex: number;

  constructor(
    protected readonly file: string,
    header: readonly string[],
    expected: readonly string[],
    capacity: number,
  ) {
    this.columns = new HeaderColumns(file, header, expected);
    this.capacity = capacity;
    this.pixels = new Uint8Array(capacity * IMAGE_PIXELS);
    this.imageIndex = this.columns.indexOf(IMAGE);
  }

  decode(fields: readonly string[], line: number): void {
    if (this.rows === this.capacity) this.grow(Math.max(16, Math.ceil(this.capacity * 1.5)));
    this.decodeOther(fields, line);
    const problem = decodePixelField(fields[this.imageIndex], this.pixels, this.rows * IMAGE_PIXELS, IMAGE_PIXELS);
    if (problem !== undefined) throw new DataFormatError({ file: this.file, line, column: IMAGE }, problem);
    this.rows++;
  }

  /** Decodes the fields other than Image into row `this.rows`. */
  protected abstract decodeOther(fields: readonly string[], line: number): void;

  abstract finish(): T;

  protected grow(capacity: number): void {
    this.pixels = resized(this.pixels, capacity * IMAGE_PIXELS);
    this.capacity = capacity;
  }
}

/** A copy of `array` with `length` elements (truncated or zero-padded); `array` itself if it fits exactly. */
function resized<A extends Uint8Array | Float32Array | Int32Array>(array: A, length: number): A {
  if (array.length === length) return array;
  const copy = new (array.constructor as new (length: number) => A)(length);
  copy.set(array.subarray(0, Math.min(length, array.length)));
  return copy;
}

class TrainingRows extends ImageRows<KaggleTrainingData> {
  private targets: Float32Array;
  private readonly fieldIndex: number[];
  private readonly present = new Array<number>(KEYPOINT_COLUMNS.length).fill(0);

  constructor(file: string, header: readonly string[], capacity: number) {
    super(file, header, TRAINING_COLUMNS, capacity);
    this.targets = new Float32Array(capacity * KEYPOINT_COLUMNS.length);
    this.fieldIndex = KEYPOINT_COLUMNS.map((name) => this.columns.indexOf(name));
  }

  protected decodeOther(fields: readonly string[], line: number): void {
    const base = this.rows * KEYPOINT_COLUMNS.length;
    for (let c = 0; c < KEYPOINT_COLUMNS.length; c++) {
      const text = fields[this.fieldIndex[c]];
      if (text === '') {
        this.targets[base + c] = NaN;
      } else if (isNumeric(text)) {
        this.targets[base + c] = Number(text);
        this.present[c]++;
      } else {
        const column = KEYPOINT_COLUMNS[c];
        throw new DataFormatError({ file: this.file, line, column }, `${JSON.stringify(text.slice(0, 40))} is not a number`);
      }
    }
  }

  protected override grow(capacity: number): void {
    super.grow(capacity);
    this.targets = resized(this.targets, capacity * KEYPOINT_COLUMNS.length);
  }

  finish(): KaggleTrainingData {
    const counts: Record<string, number> = {};
    KEYPOINT_COLUMNS.forEach((name, c) => (counts[name] = this.present[c]));
    counts[IMAGE] = this.rows;
    return {
      format: 'training',
      file: this.file,
      rows: this.rows,
      columns: KEYPOINT_COLUMNS,
      pixels: resized(this.pixels, this.rows * IMAGE_PIXELS),
      targets: resized(this.targets, this.rows * KEYPOINT_COLUMNS.length),
      counts,
    };
  }
}

class TestRows extends ImageRows<KaggleTestData> {
  private imageIds: Int32Array;
  private readonly idIndex: number;
  /** The line each ImageId was first seen on, to report duplicates. */
  private readonly idLines = new Map<number, number>();

  constructor(file: string, header: readonly string[], capacity: number) {
    super(file, header, TEST_COLUMNS, capacity);
    this.imageIds = new Int32Array(capacity);
    this.idIndex = this.columns.indexOf(IMAGE_ID);
  }

  protected decodeOther(fields: readonly string[], line: number): void {
    const text = fields[this.idIndex];
    const where = { file: this.file, line, column: IMAGE_ID };
    if (!NON_NEGATIVE_INTEGER.test(text)) throw new DataFormatError(where, `${JSON.stringify(text.slice(0, 40))} is not an image id (a non-negative integer)`);
    const id = Number(text);
    const firstLine = this.idLines.get(id);
    if (firstLine !== undefined) throw new DataFormatError(where, `ImageId ${id} repeats line ${firstLine}`);
    this.idLines.set(id, line);
    this.imageIds[this.rows] = id;
  }

  protected override grow(capacity: number): void {
    super.grow(capacity);
    this.imageIds = resized(this.imageIds, capacity);
  }

  finish(): KaggleTestData {
    return {
      format: 'test',
      file: this.file,
      rows: this.rows,
      pixels: resized(this.pixels, this.rows * IMAGE_PIXELS),
      imageIds: resized(this.imageIds, this.rows),
      counts: { [IMAGE_ID]: this.rows, [IMAGE]: this.rows },
    };
  }
}
