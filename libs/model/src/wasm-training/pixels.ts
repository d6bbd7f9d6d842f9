/**
 * Raw pixels (0..255) to the net's float32 input (p / 255) on the wasm heap.
 *
 * In JavaScript this is a table lookup per pixel plus a copy into the heap,
 * ~10 ms per 128 images, as long as net1's whole forward product. Here the
 * bytes are copied in as they are (a quarter of the floats) and a SIMD loop
 * divides them in place: IEEE float32 division gives exactly p / 255 rounded
 * to float32, the values of the JavaScript table.
 */
import * as tf from '../tf.ts';
import { type KernelArgs, asWasm, f32, loopsOf, makeF32, offsetOf } from './wasm-backend.ts';

export const SCALE_PIXELS = 'KfkdScalePixels';

/** Kernel: x int32 [k] holding 4 pixels each (bytes in memory order), attrs.count pixels; out float32 [count]. */
export function scalePixels(args: KernelArgs): tf.TensorInfo {
  const backend = asWasm(args.backend);
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { count } = args.attrs as unknown as { count: number };
  if (x.dtype !== 'int32' || x.shape.reduce((a, b) => a * b, 1) * 4 < count) throw new Error(`${SCALE_PIXELS}: expected an int32 tensor of at least ${count} bytes`);
  const out = makeF32(backend, [count]);
  const loops = loopsOf(backend);
  const groups = loops ? Math.floor(count / 8) : 0;
  if (loops && groups > 0) loops.bytes_to_unit(offsetOf(backend, x), offsetOf(backend, out), groups);
  const bytes = backend.wasm.HEAPU8.subarray(offsetOf(backend, x), offsetOf(backend, x) + count);
  const o = f32(backend, out);
  for (let i = groups * 8; i < count; i++) o[i] = bytes[i] / 255;
  return out;
}

export const scalePixelsConfig: tf.KernelConfig = {
  kernelName: SCALE_PIXELS,
  backendName: 'wasm',
  kernelFunc: scalePixels,
};

/**
 * pixels / 255 as a float32 tensor of `shape` by the SCALE_PIXELS kernel, or
 * null when the current backend has none (the caller then scales in JavaScript).
 */
export function scalePixelsOnBackend(pixels: Uint8Array, shape: number[]): tf.Tensor | null {
  if (!tf.getKernel(SCALE_PIXELS, tf.getBackend())) return null;
  // An int32 view of the bytes needs a 4-byte aligned start and whole words: copy otherwise.
  const words = Math.ceil(pixels.length / 4);
  const aligned = pixels.byteOffset % 4 === 0 && pixels.length % 4 === 0 ? pixels : Uint8Array.from({ length: words * 4 }, (_, i) => pixels[i] ?? 0);
  return tf.tidy(() => {
    const x = tf.tensor1d(new Int32Array(aligned.buffer, aligned.byteOffset, words), 'int32');
    const out = tf.engine().runKernel(SCALE_PIXELS, { x }, { count: pixels.length } as unknown as tf.NamedAttrMap) as tf.Tensor;
    return tf.reshape(out, shape);
  });
}
