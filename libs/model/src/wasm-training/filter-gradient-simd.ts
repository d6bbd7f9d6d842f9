/**
 * A convolution's filter gradient with the SIMD outer-product loops
 * (simd/outer-product.ts), on this thread and the SIMD helper threads.
 *
 * With no horizontal padding, a patch row (q, c) for kernel row p is
 * contiguous in x: x[n, i*sh + p - top, j*sw + q, c] = x[row + j*sw*cin + (q*cin + c)].
 * So dW[p, :, :, o] (kw*cin rows) += that row segment (outer) dy[n, i, j, :]
 * summed over the output pixels, read in place: no patches, no copy of dy.
 * The images are cut into a few lists per thread; each list sums each of its
 * images in float32 (at most ~10,000 pixels) and adds it into the list's own
 * float64 total; the totals add up at the end, as accurate as the cpu
 * backend's float64 loops.
 */
import * as tf from '../tf.ts';
import { CallList, partsFor, runParallel } from './simd/helpers.ts';
import type { SimdLoops } from './simd/loops.ts';
import { pushOuterBlocks } from './outer-calls.ts';
import { type WasmBackend, dispose, f32, makeF32, offsetOf } from './wasm-backend.ts';

/** Bytes of dy one block of rows spans: the rows stay in L1/L2 while every T x V block of dW passes over them. */
const ROW_CHUNK_BYTES = 32 * 1024;

export interface FilterGeometry {
  readonly batchSize: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly inChannels: number;
  readonly outHeight: number;
  readonly outWidth: number;
  readonly outChannels: number;
  readonly filterHeight: number;
  readonly filterWidth: number;
  readonly strideHeight: number;
  readonly strideWidth: number;
  readonly padTop: number;
}

/** Whether filterGradientSimd handles this geometry (given horizontal padding 0 and no column outside the image). */
export function filterGradientSimdFits(g: FilterGeometry): boolean {
  return g.outChannels % 4 === 0 && g.outWidth > 0 && g.outHeight > 0 && g.batchSize > 0;
}

/** dW [kh, kw, cin, cout] of x [n, h, w, cin] and dy [n, oh, ow, cout] (NHWC). */
export function filterGradientSimd(loops: SimdLoops, backend: WasmBackend, x: tf.TensorInfo, dy: tf.TensorInfo, g: FilterGeometry): tf.TensorInfo {
  const { batchSize, filterHeight: kh, filterWidth: kw, inChannels: cin, outChannels: cout } = g;
  const size = kh * kw * cin * cout;
  const parts = partsFor(loops, batchSize);
  // Per list of images: a float32 image partial (size floats), then a float64 total (2 * size floats).
  const scratch = makeF32(backend, [parts, 3 * size]);
  try {
    const base = offsetOf(backend, scratch);
    const lists = Array.from({ length: parts }, (_, t) => {
      const first = Math.floor((t * batchSize) / parts);
      const last = Math.floor(((t + 1) * batchSize) / parts);
      const partial = base + t * 3 * size * 4;
      return imageCalls(loops, { x: offsetOf(backend, x), dy: offsetOf(backend, dy), partial, total: partial + size * 4 }, first, last, g);
    });
    runParallel(loops, lists);
    const out = makeF32(backend, [kh, kw, cin, cout]);
    // Views after the last allocation; the lists' totals add up in float64, rounded once.
    const heap = backend.wasm.HEAPU8.buffer;
    const at = offsetOf(backend, scratch);
    const sum = new Float64Array(heap, at + size * 4, size).slice();
    for (let t = 1; t < parts; t++) {
      const total = new Float64Array(heap, at + (t * 3 + 1) * size * 4, size);
      for (let i = 0; i < size; i++) sum[i] += total[i];
    }
    f32(backend, out).set(sum);
    return out;
  } finally {
    dispose(backend, scratch);
  }
}

/** The calls for images [first, last) into one list's partial and total (byte offsets). */
function imageCalls(loops: SimdLoops, at: { x: number; dy: number; partial: number; total: number }, first: number, last: number, g: FilterGeometry): CallList {
  const { inHeight, inWidth, inChannels: cin, outHeight, outWidth, outChannels: cout, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, padTop } = g;
  const size = kh * kw * cin * cout;
  const calls = new CallList();
  if (first >= last) return calls;
  const zeroVectors = loops.indexOf('zero_vectors');
  const addToTotal = loops.indexOf('add_f32_to_f64');
  calls.push(zeroVectors, at.total, size / 2);
  const segment = kw * cin; // rows of dW per kernel row p: contiguous in x
  const rowsPerChunk = Math.max(1, Math.floor(ROW_CHUNK_BYTES / (outWidth * cout * 4)));
  const xPix = sw * cin * 4;
  const xRow = sh * inWidth * cin * 4;
  const dyPix = cout * 4;
  const dyRow = outWidth * cout * 4;
  for (let n = first; n < last; n++) {
    calls.push(zeroVectors, at.partial, size / 4);
    for (let i0 = 0; i0 < outHeight; i0 += rowsPerChunk) {
      const i1 = Math.min(outHeight, i0 + rowsPerChunk);
      for (let p = 0; p < kh; p++) {
        // Output rows whose input row i*sh + p - padTop is inside the image (the others add 0).
        const lo = Math.max(i0, Math.ceil((padTop - p) / sh));
        const hi = Math.min(i1, Math.floor((inHeight - 1 + padTop - p) / sh) + 1);
        if (lo >= hi) continue;
        const x = at.x + (n * inHeight + lo * sh + p - padTop) * inWidth * cin * 4;
        const dy = at.dy + (n * outHeight + lo) * outWidth * cout * 4;
        const dw = at.partial + p * segment * cout * 4;
        pushOuterBlocks(calls, loops, { x, dy, dw, rows: hi - lo, width: outWidth, xPix, xRow, dyPix, dyRow, dwRow: cout * 4 }, segment, cout);
      }
    }
    calls.push(addToTotal, at.partial, at.total, size / 4);
  }
  return calls;
}
