import { createReadStream } from 'node:fs';
import { DataFormatError, didYouMean, type DataLocation } from './errors.ts';

/*
 * The CSV machinery shared by the data files (training.csv, test.csv,
 * IdLookupTable.csv): a streaming line and field splitter, the header check,
 * and the RowDecoder interface each format implements.
 *
 * Why a splitter of our own rather than a CSV library: these files are plain
 * (Kaggle's have no quotes and no multi-line fields), but every line carries
 * a ~35 KB Image field of `12 34 56 ...`. Measured side by side on a
 * 7000-row, 247 MB training.csv through readKaggleCsv, per CPU second of the
 * read (wall-clock rows/s on the busy 2-core machine in brackets):
 * csv-parse 6.2.1, which goes through the text a character at a time, ~410
 * (340-400); papaparse 5.7.1 streaming with a step callback, ~1500-1900
 * (1300-1600): it decodes each chunk to one string, splits it and slices
 * every field out of it; this splitter ~2400-2500 (2000-2400). papaparse
 * also gives no line numbers (they would have to be rebuilt from row counts
 * and the line ends inside quoted fields), and an unclosed quote makes it
 * re-parse the whole rest of the file for every chunk: a 35 MB file with a
 * stray `"` on line 3 took 19 s and 400 MB, where this splitter stops at the
 * end of that line (0.2 s).
 *
 * Here lines are found in the raw bytes with Buffer.indexOf; a line without
 * a quote is split at its commas in the bytes too, and each field becomes a
 * flat string, which the pixel decoder reads faster than a slice of a longer
 * string. Only a line with a quote takes the slow path, which handles quoted
 * fields within one line.
 */

const LF = 0x0a;
const CR = 0x0d;
const COMMA = 0x2c;
const QUOTE = 0x22;
const UTF8_BOM = [0xef, 0xbb, 0xbf];
/** Reads of 1 MiB rather than the default 64 KiB: measured ~20-30% less CPU on that training.csv. */
const CHUNK_BYTES = 1 << 20;

/** Decodes the data rows of one CSV format and assembles the result. */
export interface RowDecoder<T> {
  /** `fields` has already been checked to have one field per header column. */
  decode(fields: readonly string[], line: number): void;
  finish(): T;
}

/**
 * Streams a CSV file: the header goes to `start`, which checks it and
 * returns the decoder for the data rows. Every failure, from a missing file
 * to a bad field, becomes a DataFormatError naming file, line and column.
 *
 * The file is UTF-8, with or without a byte order mark. Lines end in LF,
 * CRLF or (when the first line end is a lone CR) CR; empty lines are
 * skipped. A field may be quoted ("a,b" or "say ""hi"""), but a quoted field
 * may not span lines. `chunkBytes` is the read size (tests make it tiny to
 * split lines, line ends and characters across reads).
 */
export async function readCsv<T>(file: string, start: (header: readonly string[]) => RowDecoder<T>, chunkBytes = CHUNK_BYTES): Promise<T> {
  let header: readonly string[] = [];
  let decoder: RowDecoder<T> | undefined;
  let dataRows = 0;
  for await (const span of csvLines(file, chunkBytes)) {
    const fields = splitFields(file, span, decoder === undefined ? null : header);
    if (decoder === undefined) {
      header = fields;
      decoder = start(fields);
      continue;
    }
    if (fields.length !== header.length) throw fieldCountError(file, span.line, fields.length, header);
    decoder.decode(fields, span.line);
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

/**
 * One non-empty line: `bytes[start, end)`, without its line end (and, on
 * line 1, without a byte order mark). `bytes` may be reused for the next
 * line, so the line must be used before asking for the next one.
 */
interface LineSpan {
  readonly bytes: Buffer;
  readonly start: number;
  readonly end: number;
  /** 1-based physical line. */
  readonly line: number;
}

/**
 * The non-empty lines of `file`. Lines are found in the raw bytes, so no
 * more than a chunk and one line are held at a time; a line split across
 * read chunks is gathered in a buffer that grows to the longest line.
 */
async function* csvLines(file: string, chunkBytes: number): AsyncGenerator<LineSpan> {
  const input = createReadStream(file, { highWaterMark: chunkBytes });
  const partial = new ByteBuffer();
  // LF (which also ends CRLF lines) or CR, fixed by the first line end as
  // csv-parse did; -1 until that has been seen.
  let separator = -1;
  let line = 1;
  const span = (bytes: Buffer, start: number, end: number): LineSpan => {
    // A CR before the LF is part of the line end (CRLF); in CR mode there is none to strip.
    if (end > start && bytes[end - 1] === CR && separator !== CR) end--;
    if (line === 1 && end - start >= 3 && UTF8_BOM.every((byte, i) => bytes[start + i] === byte)) start += 3;
    return { bytes, start, end, line };
  };
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      let bytes = chunk;
      if (separator === -1) {
        // Until the first line end, keep the whole start of the file (the header).
        if (partial.length > 0) {
          bytes = Buffer.concat([partial.view(), chunk]);
          partial.clear();
        }
        separator = lineSeparator(bytes);
        if (separator === -1) {
          partial.append(bytes, 0, bytes.length);
          continue;
        }
      }
      let start = 0;
      for (let end = bytes.indexOf(separator, start); end !== -1; end = bytes.indexOf(separator, start)) {
        let found: LineSpan;
        if (partial.length > 0) {
          partial.append(bytes, start, end);
          found = span(partial.bytes, 0, partial.length);
          partial.clear();
        } else {
          found = span(bytes, start, end);
        }
        if (found.end > found.start) yield found;
        line++;
        start = end + 1;
      }
      partial.append(bytes, start, bytes.length);
    }
    if (partial.length > 0) {
      // The last line has no line end.
      const found = span(partial.bytes, 0, partial.length);
      if (found.end > found.start) yield found;
    }
  } catch (error) {
    throw readFailure(file, error);
  } finally {
    input.destroy();
  }
}

/** LF or CR, by the first line end in `bytes`; -1 if there is none yet (or a CR is the last byte, so CRLF cannot be told from CR). */
function lineSeparator(bytes: Buffer): number {
  const lf = bytes.indexOf(LF);
  const cr = lf === -1 ? bytes.indexOf(CR) : bytes.subarray(0, lf).indexOf(CR);
  if (cr === -1) return lf === -1 ? -1 : LF;
  if (cr + 1 === bytes.length) return -1;
  return bytes[cr + 1] === LF ? LF : CR;
}

/** A growable byte array, for the start of a line whose end is in a later chunk. */
class ByteBuffer {
  bytes = Buffer.alloc(0);
  length = 0;

  append(source: Buffer, start: number, end: number): void {
    const needed = this.length + end - start;
    if (needed > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, 2 * this.bytes.length, 1 << 16));
      this.bytes.copy(grown, 0, 0, this.length);
      this.bytes = grown;
    }
    source.copy(this.bytes, this.length, start, end);
    this.length = needed;
  }

  view(): Buffer {
    return this.bytes.subarray(0, this.length);
  }

  clear(): void {
    this.length = 0;
  }
}

/**
 * The fields of one line, decoded from UTF-8 (a comma or quote byte is never
 * part of a multi-byte character, so splitting the bytes is safe). `header`
 * names the columns in errors; it is null while reading the header itself.
 */
function splitFields(file: string, { bytes, start, end, line }: LineSpan, header: readonly string[] | null): string[] {
  const text = bytes.subarray(start, end);
  if (text.indexOf(QUOTE) !== -1) return splitQuoted(file, line, text.toString('utf8'), header);
  const fields: string[] = [];
  let from = 0;
  for (let comma = text.indexOf(COMMA); comma !== -1; comma = text.indexOf(COMMA, from)) {
    fields.push(text.toString('utf8', from, comma));
    from = comma + 1;
  }
  fields.push(text.toString('utf8', from));
  return fields;
}

/**
 * The fields of a line with a quote. A field that starts with a quote runs
 * to the next lone quote (a doubled quote stands for one) and must be
 * followed by a comma or the line end; a quote anywhere else is an error,
 * as is a quoted field left open at the end of the line.
 */
function splitQuoted(file: string, line: number, text: string, header: readonly string[] | null): string[] {
  const fields: string[] = [];
  const malformed = (detail: string) => new DataFormatError({ file, line, column: header?.[fields.length] ?? null }, `malformed CSV: field ${fields.length + 1} ${detail}`);
  let i = 0;
  for (;;) {
    if (text.startsWith('"', i)) {
      let value = '';
      let from = i + 1;
      for (;;) {
        const close = text.indexOf('"', from);
        if (close === -1) throw malformed('opens a quote that is not closed on this line (a field cannot span lines)');
        if (text.startsWith('"', close + 1)) {
          value += text.slice(from, close + 1);
          from = close + 2;
          continue;
        }
        value += text.slice(from, close);
        i = close + 1;
        break;
      }
      if (i < text.length && !text.startsWith(',', i)) throw malformed(`has ${JSON.stringify(text.slice(i, i + 10))} after its closing quote, expected a comma`);
      fields.push(value);
    } else {
      const comma = text.indexOf(',', i);
      const end = comma === -1 ? text.length : comma;
      const quote = text.indexOf('"', i);
      if (quote !== -1 && quote < end) throw malformed('has a quote inside it; quote the whole field and double the quote ("a""b")');
      fields.push(text.slice(i, end));
      i = end;
    }
    if (i >= text.length) return fields;
    i++; // the comma
  }
}

/** Counts lines (newlines, plus an unterminated last line) by scanning raw bytes. */
export async function countLines(file: string): Promise<number> {
  let newlines = 0;
  let lastByte = LF;
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>) {
      for (let i = chunk.indexOf(LF); i !== -1; i = chunk.indexOf(LF, i + 1)) newlines++;
      if (chunk.length > 0) lastByte = chunk[chunk.length - 1];
    }
  } catch (error) {
    throw readFailure(file, error);
  }
  return lastByte === LF ? newlines : newlines + 1;
}

/** A DataFormatError for a file that cannot be opened or read. */
function readFailure(file: string, error: unknown): DataFormatError {
  if (error instanceof DataFormatError) return error;
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

/** Whether `text` is a plain decimal number such as `66.0339`, `-1` or `1e3` (not `NaN`, `0x1f` or ``). */
export function isNumeric(text: string): boolean {
  return DECIMAL.test(text);
}
