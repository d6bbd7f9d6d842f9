import { writeFileAtomically } from './atomic-write.ts';
import { DataFormatError, didYouMean } from './errors.ts';
import { HeaderColumns, readCsv, type RowDecoder } from './csv-table.ts';
import { KEYPOINT_COLUMNS } from './keypoints.ts';
import { formatPixelCoordinate } from './pixel-coordinate.ts';

/** IdLookupTable.csv: which keypoint of which image each submission row wants. */
export interface LookupTable {
  readonly file: string;
  readonly rows: number;
  readonly rowIds: Int32Array;
  readonly imageIds: Int32Array;
  /** A keypoint column name per row, e.g. `left_eye_center_x`. */
  readonly featureNames: readonly string[];
  /** The physical line of each row in `file`, to point at it in error messages. */
  readonly lines: Int32Array;
}

/** Predicted keypoints in PIXELS, one row per image. */
export interface PredictionTable {
  readonly imageIds: ArrayLike<number>;
  /** The names of the columns of `values`, e.g. KEYPOINT_COLUMNS. */
  readonly columns: readonly string[];
  /** imageIds.length x columns.length coordinates in pixels (not the nets' scaled units). */
  readonly values: Float32Array;
}

const LOOKUP_COLUMNS = ['RowId', 'ImageId', 'FeatureName', 'Location'];
const ID = /^\d{1,9}$/;

/**
 * Reads IdLookupTable.csv (RowId,ImageId,FeatureName,Location; Location is
 * empty and ignored). Rejects with a DataFormatError naming file, line and
 * column for anything malformed, such as an unknown FeatureName or a repeated RowId.
 */
export async function readLookupTable(file: string): Promise<LookupTable> {
  return readCsv(file, (header) => new LookupRows(file, header));
}

class LookupRows implements RowDecoder<LookupTable> {
  private readonly columns: HeaderColumns;
  private readonly rowIds: number[] = [];
  private readonly imageIds: number[] = [];
  private readonly featureNames: string[] = [];
  private readonly lines: number[] = [];
  /** The line each RowId was first seen on, to report repeats. */
  private readonly rowIdLines = new Map<number, number>();

  constructor(
    private readonly file: string,
    header: readonly string[],
  ) {
    this.columns = new HeaderColumns(file, header, LOOKUP_COLUMNS);
  }

  decode(fields: readonly string[], line: number): void {
    const rowId = this.id(fields, line, 'RowId');
    const firstLine = this.rowIdLines.get(rowId);
    if (firstLine !== undefined) throw new DataFormatError({ file: this.file, line, column: 'RowId' }, `RowId ${rowId} repeats line ${firstLine}`);
    this.rowIdLines.set(rowId, line);
    const imageId = this.id(fields, line, 'ImageId');
    const featureName = fields[this.columns.indexOf('FeatureName')];
    if (!KEYPOINT_COLUMNS.includes(featureName)) {
      throw new DataFormatError({ file: this.file, line, column: 'FeatureName' }, `unknown keypoint ${JSON.stringify(featureName)}${didYouMean(featureName, KEYPOINT_COLUMNS)}`);
    }
    this.rowIds.push(rowId);
    this.imageIds.push(imageId);
    this.featureNames.push(featureName);
    this.lines.push(line);
  }

  private id(fields: readonly string[], line: number, column: string): number {
    const text = fields[this.columns.indexOf(column)];
    if (!ID.test(text)) throw new DataFormatError({ file: this.file, line, column }, `${JSON.stringify(text.slice(0, 40))} is not an id (a non-negative integer)`);
    return Number(text);
  }

  finish(): LookupTable {
    return {
      file: this.file,
      rows: this.rowIds.length,
      rowIds: Int32Array.from(this.rowIds),
      imageIds: Int32Array.from(this.imageIds),
      featureNames: this.featureNames,
      lines: Int32Array.from(this.lines),
    };
  }
}

/**
 * The submission text, `RowId,Location`, one row per lookup row in lookup
 * order, each location clipped to [0, 96]. Throws a DataFormatError pointing
 * at the lookup row (and naming its RowId) when the predictions lack its
 * ImageId or FeatureName, or hold NaN for it.
 */
export function formatSubmission(lookup: LookupTable, predictions: PredictionTable): string {
  const width = predictions.columns.length;
  const rowOfImage = indexPredictions(predictions);
  const lines = ['RowId,Location'];
  for (let i = 0; i < lookup.rows; i++) {
    const rowId = lookup.rowIds[i];
    const imageId = lookup.imageIds[i];
    const feature = lookup.featureNames[i];
    const at = (column: string) => ({ file: lookup.file, line: lookup.lines[i], column });
    const row = rowOfImage.get(imageId);
    if (row === undefined) throw new DataFormatError(at('ImageId'), `RowId ${rowId}: the predictions have no ImageId ${imageId}`);
    const column = predictions.columns.indexOf(feature);
    if (column < 0) throw new DataFormatError(at('FeatureName'), `RowId ${rowId}: the predictions have no column ${feature}`);
    const value = predictions.values[row * width + column];
    if (Number.isNaN(value)) throw new DataFormatError(at('FeatureName'), `RowId ${rowId}: the prediction of ${feature} for ImageId ${imageId} is NaN`);
    lines.push(`${rowId},${formatPixelCoordinate(value)}`);
  }
  return lines.join('\n') + '\n';
}

/** Maps each ImageId to its row in the table, checking the table's shape. */
function indexPredictions(predictions: PredictionTable): Map<number, number> {
  const { imageIds, columns, values } = predictions;
  if (values.length !== imageIds.length * columns.length) {
    throw new RangeError(`predictions hold ${values.length} values, expected ${imageIds.length} images x ${columns.length} columns`);
  }
  const rowOfImage = new Map<number, number>();
  for (let r = 0; r < imageIds.length; r++) {
    if (rowOfImage.has(imageIds[r])) throw new RangeError(`predictions repeat ImageId ${imageIds[r]}`);
    rowOfImage.set(imageIds[r], r);
  }
  return rowOfImage;
}

/**
 * Writes the submission for `predictions` to `file`. Everything is checked
 * before anything is written, and the text goes to a temporary file in the
 * same directory that is renamed over `file` only once complete, so a failure
 * never leaves a half-written submission.
 */
export async function writeSubmission(file: string, lookup: LookupTable, predictions: PredictionTable): Promise<void> {
  await writeFileAtomically(file, formatSubmission(lookup, predictions));
}
