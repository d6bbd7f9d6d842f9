/**
 * Parameters and gradients on the wire: float32 vectors cut into chunks of
 * at most TENSOR_CHUNK_BYTES, sent in order, and put back together by the
 * receiver straight into the array that will use them.
 *
 * Why chunks: grpc-js serialises, frames and reassembles every message in
 * freshly allocated buffers of the message's size. Buffers of 32 MB and more
 * come from new mmap'ed memory each time, and the page faults of touching it
 * cost about 40 ms per 32 MB copy on the VM this was measured on. Smaller
 * buffers are mostly reused by malloc: with buffers freed only by garbage
 * collection, as grpc-js's are, copying 32 MB into fresh buffers took 16.8 ms
 * in 4 MiB buffers, 9.1 ms in 1 MiB and 8.4 ms in 256 KiB ones. Measured
 * with grpc-js 1.14 in one process on loopback, 32 MB each way: 1 MiB chunks
 * with a 64 MiB HTTP/2 window moved a tensor at about 500 MB/s, one 32 MB
 * message at about 230 MB/s. In `npm run bench -- sync` 1 MiB chunks cost
 * the coordinator and the workers a little less CPU per step than 4 MiB and
 * 256 KiB ones (within the noise of a busy machine).
 */

/** Largest tensor chunk, in bytes (a multiple of 4). */
export const TENSOR_CHUNK_BYTES = 1024 * 1024;

export interface TensorChunk {
  /** Index of the first value. */
  readonly offset: number;
  /** Views of `values`' bytes (no copy). */
  readonly values: Buffer;
}

/** The chunks of `values`, in order; one empty chunk for an empty vector. */
export function tensorChunks(values: Float32Array, chunkBytes = TENSOR_CHUNK_BYTES): TensorChunk[] {
  const perChunk = Math.max(1, Math.floor(chunkBytes / 4));
  const chunks: TensorChunk[] = [];
  for (let offset = 0; offset < values.length || chunks.length === 0; offset += perChunk) {
    const part = values.subarray(offset, Math.min(values.length, offset + perChunk));
    chunks.push({ offset, values: Buffer.from(part.buffer, part.byteOffset, part.byteLength) });
  }
  return chunks;
}

/**
 * Puts a chunked vector together in `destination`, checking that the chunks
 * come in order and fit. (Their values are the receiver's to check.)
 */
export class TensorAssembly {
  private filled = 0;

  constructor(readonly destination: Float32Array) {}

  /** Values received so far. */
  get received(): number {
    return this.filled;
  }

  get complete(): boolean {
    return this.filled === this.destination.length;
  }

  /** Copies one chunk in; the problem (nothing is copied then) or null. */
  add(offset: number, bytes: Uint8Array): string | null {
    if (offset !== this.filled) return `chunk at value ${offset}, expected ${this.filled}`;
    if (bytes.byteLength % 4 !== 0) return `chunk of ${bytes.byteLength} bytes, not a whole number of float32`;
    const count = bytes.byteLength / 4;
    if (offset + count > this.destination.length) return `chunk ends at value ${offset + count}, the vector has ${this.destination.length}`;
    const target = this.destination.subarray(offset, offset + count);
    // A byte copy: received chunks need not start on a 4-byte boundary.
    new Uint8Array(target.buffer, target.byteOffset, target.byteLength).set(bytes);
    this.filled += count;
    return null;
  }
}
