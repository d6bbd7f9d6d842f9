/**
 * Tensors on the wire: raw little-endian float32 `bytes`. Every machine
 * Node.js runs on today is little-endian; a big-endian host is refused
 * rather than silently byte-swapped.
 */
import { endianness } from 'node:os';

export function assertLittleEndianHost(): void {
  if (endianness() !== 'LE') throw new Error('kfkd sends tensors as little-endian float32 and does not support big-endian hosts');
}

/** A view of the array's bytes (no copy). */
export function float32Bytes(values: Float32Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

/**
 * The float32 values of `bytes`; null when the length is not a multiple of 4.
 * A view sharing the bytes' memory when they start on a 4-byte boundary (a
 * received message is never written to, and a 32 MB copy per message adds
 * up), else an aligned copy.
 */
export function float32sOf(bytes: Uint8Array): Float32Array | null {
  if (bytes.byteLength % 4 !== 0) return null;
  if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const values = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(values.buffer).set(bytes);
  return values;
}
