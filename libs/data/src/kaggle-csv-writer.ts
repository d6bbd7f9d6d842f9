import type { FileHandle } from 'node:fs/promises';
import { writeFileAtomically } from './atomic-write.ts';
import { IMAGE_PIXELS, KEYPOINT_COLUMNS } from './keypoints.ts';

// Writers for Kaggle's CSV formats. A training file of 7000 faces is about
// 240 MB, so rows are encoded straight into Buffers (grey levels through a
// digit table) and written in chunks, two buffers in flight so encoding
// overlaps the disk. Each file appears only when complete (atomic-write.ts).

/** One row of an IdLookupTable.csv; Location is always empty. */
export interface IdLookupRow {
  readonly rowId: number;
  readonly imageId: number;
  readonly featureName: string;
}

const CHUNK_BYTES = 4 << 20;
const COMMA = 0x2c;
const NEWLINE = 0x0a;
const DOT = 0x2e;
const MINUS = 0x2d;
const ZERO = 0x30;

/**
 * Each grey level 0..255 as its decimal digits followed by a space, packed
 * little-endian into one uint32 (so a pixel is a single 4-byte store), and
 * how many of those bytes count.
 */
const PACKED_LEVEL = new Uint32Array(256);
const PACKED_LENGTH = new Uint8Array(256);
for (let v = 0; v < 256; v++) {
  const text = `${v} `;
  let word = 0;
  for (let k = 0; k < text.length; k++) word |= text.charCodeAt(k) << (8 * k);
  PACKED_LEVEL[v] = word >>> 0;
  PACKED_LENGTH[v] = text.length;
}

/** Coordinates are written with four decimals (1e-4 px), trailing zeros dropped. */
const DECIMALS = 4;
const DECIMAL_SCALE = 10 ** DECIMALS;
/** Longest encoded coordinate we emit by hand; larger magnitudes fall back to String(). */
const MAX_FAST_MAGNITUDE = 1e9;

/** Writes `training.csv`: the 30 keypoint columns (empty where NaN) then `Image`, one row per image. */
export async function writeTrainingCsv(path: string, pixels: Uint8Array, targets: Float32Array): Promise<void> {
  const columns = KEYPOINT_COLUMNS.length;
  const rows = imageCount(pixels);
  if (targets.length !== rows * columns) {
    throw new RangeError(`targets has ${targets.length} values; ${rows} images need ${rows * columns}`);
  }
  await writeAtomically(path, async (out) => {
    out.text([...KEYPOINT_COLUMNS, 'Image'].join(',') + '\n');
    const maxRow = columns * 32 + IMAGE_PIXELS * 4 + 1;
    for (let r = 0; r < rows; r++) {
      await out.reserve(maxRow);
      for (let c = 0; c < columns; c++) {
        out.coordinate(targets[r * columns + c]);
        out.byte(COMMA);
      }
      out.image(pixels, r);
    }
  });
}

/** Writes `test.csv`: `ImageId,Image`, ImageIds counting up from `firstImageId`. */
export async function writeTestCsv(path: string, pixels: Uint8Array, firstImageId = 1): Promise<void> {
  const rows = imageCount(pixels);
  await writeAtomically(path, async (out) => {
    out.text('ImageId,Image\n');
    const maxRow = 24 + IMAGE_PIXELS * 4 + 1;
    for (let r = 0; r < rows; r++) {
      await out.reserve(maxRow);
      out.text(`${firstImageId + r},`);
      out.image(pixels, r);
    }
  });
}

/** Writes `IdLookupTable.csv`: `RowId,ImageId,FeatureName,Location` with Location empty. */
export async function writeLookupTable(path: string, rows: readonly IdLookupRow[]): Promise<void> {
  await writeAtomically(path, async (out) => {
    out.text('RowId,ImageId,FeatureName,Location\n');
    for (const row of rows) {
      const line = `${row.rowId},${row.imageId},${row.featureName},\n`;
      await out.reserve(Buffer.byteLength(line));
      out.text(line);
    }
  });
}

function imageCount(pixels: Uint8Array): number {
  if (pixels.length % IMAGE_PIXELS !== 0) {
    throw new RangeError(`pixels has ${pixels.length} values, not a multiple of ${IMAGE_PIXELS}`);
  }
  return pixels.length / IMAGE_PIXELS;
}

/**
 * Streams `fill`'s output into `path` atomically (atomic-write.ts): it
 * appears only once complete; a failure names `path` and leaves no
 * temporary file.
 */
async function writeAtomically(path: string, fill: (out: ChunkedWriter) => Promise<void>): Promise<void> {
  await writeFileAtomically(path, async (handle) => {
    const out = new ChunkedWriter(handle);
    try {
      await fill(out);
      await out.finish();
    } finally {
      await out.settled(); // no write may still be in flight when the handle closes
    }
  });
}

/** Encodes into one of two buffers while the other is being written. */
class ChunkedWriter {
  private buffers = [Buffer.allocUnsafe(CHUNK_BYTES), Buffer.allocUnsafe(CHUNK_BYTES)];
  private views = this.buffers.map((b) => new DataView(b.buffer, b.byteOffset, b.byteLength));
  private current = 0;
  private buf: Buffer = this.buffers[0];
  private view: DataView = this.views[0];
  private pos = 0;
  private pending: Promise<void> = Promise.resolve();

  constructor(private readonly handle: FileHandle) {}

  /** Makes room for `bytes` more bytes, flushing the current buffer if needed. */
  async reserve(bytes: number): Promise<void> {
    if (bytes > CHUNK_BYTES) throw new RangeError(`a single row of ${bytes} bytes exceeds the chunk size`);
    if (this.pos + bytes > CHUNK_BYTES) await this.flush();
  }

  async finish(): Promise<void> {
    await this.flush();
    await this.pending;
  }

  /** Resolves once no write is in flight, whether or not it failed. */
  async settled(): Promise<void> {
    await this.pending.catch(() => undefined);
  }

  private async flush(): Promise<void> {
    await this.pending; // the other buffer must be free before we switch to it
    const full = this.buf;
    const length = this.pos;
    this.pending = writeFully(this.handle, full, length);
    // Mark it handled now; the failure still surfaces at the next await of `pending`.
    this.pending.catch(() => undefined);
    this.current ^= 1;
    this.buf = this.buffers[this.current];
    this.view = this.views[this.current];
    this.pos = 0;
  }

  byte(b: number): void {
    this.buf[this.pos++] = b;
  }

  text(s: string): void {
    if (this.pos + Buffer.byteLength(s) > CHUNK_BYTES) throw new RangeError('text does not fit; reserve() first');
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /**
   * Image `index` of `pixels` as space-separated grey levels, then a newline.
   * Needs 4 bytes reserved per pixel: each store writes 4 bytes, the unused
   * tail of which the next pixel overwrites.
   */
  image(pixels: Uint8Array, index: number): void {
    const view = this.view;
    let pos = this.pos;
    const end = (index + 1) * IMAGE_PIXELS;
    for (let p = index * IMAGE_PIXELS; p < end; p++) {
      const v = pixels[p];
      view.setUint32(pos, PACKED_LEVEL[v], true);
      pos += PACKED_LENGTH[v];
    }
    this.buf[pos - 1] = NEWLINE;
    this.pos = pos;
  }

  /** A coordinate with up to four decimals; nothing for NaN (an empty field). */
  coordinate(x: number): void {
    if (Number.isNaN(x)) return;
    if (!Number.isFinite(x)) throw new RangeError(`cannot write coordinate ${x}`);
    let scaled = Math.round(Math.abs(x) * DECIMAL_SCALE);
    if (Math.abs(x) >= MAX_FAST_MAGNITUDE) {
      this.text(String(x));
      return;
    }
    if (x < 0 && scaled !== 0) this.byte(MINUS);
    const whole = Math.floor(scaled / DECIMAL_SCALE);
    scaled -= whole * DECIMAL_SCALE;
    this.unsigned(whole);
    if (scaled === 0) return;
    this.byte(DOT);
    let digits = DECIMALS;
    while (scaled % 10 === 0) {
      scaled /= 10;
      digits--;
    }
    for (let k = digits - 1; k >= 0; k--) {
      this.buf[this.pos + k] = ZERO + (scaled % 10);
      scaled = Math.floor(scaled / 10);
    }
    this.pos += digits;
  }

  private unsigned(n: number): void {
    const start = this.pos;
    do {
      this.buf[this.pos++] = ZERO + (n % 10);
      n = Math.floor(n / 10);
    } while (n > 0);
    this.buf.subarray(start, this.pos).reverse();
  }
}

async function writeFully(handle: FileHandle, buffer: Buffer, length: number): Promise<void> {
  let offset = 0;
  while (offset < length) {
    const { bytesWritten } = await handle.write(buffer, offset, length - offset);
    offset += bytesWritten;
  }
}
