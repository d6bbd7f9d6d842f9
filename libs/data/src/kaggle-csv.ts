import { countLines, HeaderColumns, isNumeric, readCsv, type RowDecoder } from './csv-table.ts';
import type { KeypointDataset } from './dataset.ts';
import { DataFormatError } from './errors.ts';
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

const NON_NEGATIVE_INTEGER = /^\d{1,9}$/;

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
