/**
 * Conv2DBackpropFilter for the wasm backend, which has none.
 *
 * dW[p, q, c, o] = sum over (n, i, j) of x[n, i*s + p - pad, j*s + q - pad, c] * dy[n, i, j, o]
 * is a matrix product patches^T x dy whose inner dimension runs over every
 * output pixel of the batch, done in chunks of whole output rows by
 * rowProducts: per chunk, the transposed patches (kh*kw*cin x pixels, built
 * here) times the chunk's rows of dy. The result is already in the filter's
 * [kh, kw, cin, cout] order. Without horizontal padding (and with a
 * channel count a multiple of 4: every conv of the tutorial's nets) the SIMD
 * outer-product loops do it in place instead (filter-gradient-simd.ts), 2-4x
 * faster: no patches, no repacked dy, all cores.
 */
import * as tf from '../tf.ts';
import { filterGradientSimd, filterGradientSimdFits } from './filter-gradient-simd.ts';
import { rowProducts } from './row-products.ts';
import type { SimdLoops } from './simd/loops.ts';
import { type KernelArgs, asWasm, f32, loopsOf, makeF32, offsetOf } from './wasm-backend.ts';

export function conv2DBackpropFilter(args: KernelArgs): tf.TensorInfo {
  const backend = asWasm(args.backend);
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
  if (info.dataFormat !== 'channelsLast') throw new Error("wasm Conv2DBackpropFilter supports dataFormat 'NHWC' only");
  const { inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  const loops = loopsOf(backend);
  // Every output column reads inside the image: no horizontal padding to fill.
  const horizontalInside = padLeft === 0 && (outWidth - 1) * strideWidth + filterWidth <= inWidth;
  const geometry = { inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, padTop, padLeft };
  const simdGeometry = { ...geometry, batchSize: info.batchSize, outChannels };
  if (loops && horizontalInside && filterGradientSimdFits(simdGeometry)) return filterGradientSimd(loops, backend, x, dy, simdGeometry);
  const acc = rowProducts(backend, {
    lhsRows: filterHeight * filterWidth * inChannels,
    rhs: dy,
    rhsCols: outChannels,
    granule: outWidth,
    fillLhsT: (patchesT, first, count, patchesOffset) => {
      const rows = { row0: first / outWidth, rows: count / outWidth };
      if (loops && horizontalInside) gatherPatchesT(loops, patchesOffset, offsetOf(backend, x), patchesT, rows, geometry);
      else fillPatchesT(patchesT, f32(backend, x), rows.row0, rows.rows, geometry);
    },
  });
  const out = makeF32(backend, [filterHeight, filterWidth, inChannels, outChannels]);
  f32(backend, out).set(acc);
  return out;
}

/**
 * fillPatchesT for the common case (no horizontal padding) with the SIMD
 * module's strided gather: one call per (output row, kernel row) copies the
 * kw*cin rows of that block; rows of the kernel outside the image are zeros.
 */
export function gatherPatchesT(loops: SimdLoops, patchesOffset: number, xOffset: number, patchesT: Float32Array, chunk: { row0: number; rows: number }, g: Geometry): void {
  const { inHeight, inWidth, inChannels: cin, outHeight, outWidth, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, padTop } = g;
  const cols = chunk.rows * outWidth;
  const block = kw * cin;
  for (let r = 0; r < chunk.rows; r++) {
    const n = Math.floor((chunk.row0 + r) / outHeight);
    const i = (chunk.row0 + r) % outHeight;
    for (let p = 0; p < kh; p++) {
      const h = i * sh + p - padTop;
      const dst = p * block * cols + r * outWidth;
      if (h < 0 || h >= inHeight) {
        for (let t = 0; t < block; t++) patchesT.fill(0, dst + t * cols, dst + t * cols + outWidth);
        continue;
      }
      loops.gather_rows(patchesOffset + dst * 4, xOffset + (n * inHeight + h) * inWidth * cin * 4, block, outWidth, cols * 4, sw * cin * 4);
    }
  }
}

interface Geometry {
  readonly inHeight: number;
  readonly inWidth: number;
  readonly inChannels: number;
  readonly outHeight: number;
  readonly outWidth: number;
  readonly filterHeight: number;
  readonly filterWidth: number;
  readonly strideHeight: number;
  readonly strideWidth: number;
  readonly padTop: number;
  readonly padLeft: number;
}

/**
 * patchesT[((p*kw + q)*cin + c) * cols + r*outWidth + j] = x[n, i*sh + p - padTop, j*sw + q - padLeft, c]
 * for the chunk's output rows r = (n*outHeight + i) - row0, zero outside the image.
 */
export function fillPatchesT(patchesT: Float32Array, x: Float32Array, row0: number, rows: number, g: Geometry): void {
  const { inHeight, inWidth, inChannels: cin, outHeight, outWidth, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, padTop, padLeft } = g;
  const cols = rows * outWidth;
  for (let r = 0; r < rows; r++) {
    const n = Math.floor((row0 + r) / outHeight);
    const i = (row0 + r) % outHeight;
    const colBase = r * outWidth;
    for (let p = 0; p < kh; p++) {
      const h = i * sh + p - padTop;
      const inside = h >= 0 && h < inHeight;
      const xRow = (n * inHeight + h) * inWidth * cin;
      for (let q = 0; q < kw; q++) {
        // Output columns j whose input column j*sw + q - padLeft is inside the image.
        const jLo = Math.max(0, Math.ceil((padLeft - q) / sw));
        const jHi = Math.min(outWidth, Math.floor((inWidth - 1 + padLeft - q) / sw) + 1);
        for (let c = 0; c < cin; c++) {
          const dst = ((p * kw + q) * cin + c) * cols + colBase;
          if (!inside || jLo >= jHi) {
            patchesT.fill(0, dst, dst + outWidth);
            continue;
          }
          if (jLo > 0) patchesT.fill(0, dst, dst + jLo);
          if (jHi < outWidth) patchesT.fill(0, dst + jHi, dst + outWidth);
          const step = sw * cin;
          let src = xRow + (jLo * sw + q - padLeft) * cin + c;
          if (cin === 1 && sw === 1) {
            patchesT.set(x.subarray(src, src + (jHi - jLo)), dst + jLo);
            continue;
          }
          for (let j = jLo; j < jHi; j++, src += step) patchesT[dst + j] = x[src];
        }
      }
    }
  }
}

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter,
};
