/**
 * MaxPoolGrad for the wasm backend as one pass over the pooled windows.
 *
 * Each window sends its dy to the first position (row-major within the
 * window) holding the window's maximum, exactly as the cpu backend's
 * maxPoolPositions decides ties (ReLU outputs tie at 0 all the time); every
 * other position of dx is 0. The pools of the tutorial's nets (2x2, stride 2)
 * run as a SIMD loop (simd/loops.ts) over each row of windows; other pools
 * as a TypeScript loop. The stock wasm kernel is a generic loop tens of
 * times slower.
 */
import * as tf from '../tf.ts';
import type { SimdLoops } from './simd/loops.ts';
import { type KernelArgs, type WasmBackend, asWasm, f32, loopsOf, makeF32, offsetOf } from './wasm-backend.ts';

export function maxPoolGrad(args: KernelArgs): tf.TensorInfo {
  const backend = asWasm(args.backend);
  const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const attrs = args.attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const out = makeF32(backend, input.shape);
  const loops = loopsOf(backend);
  const { batchSize, inHeight, inWidth, inChannels: ch, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const simple = filterHeight === 2 && filterWidth === 2 && strideHeight === 2 && strideWidth === 2 && info.padInfo.top === 0 && info.padInfo.left === 0;
  if (loops && simple && ch % 4 === 0 && outHeight > 0 && outWidth > 0) {
    maxPoolGrad2x2(loops, backend, { x: input, dy, dx: out }, { batchSize, inHeight, inWidth, ch, outHeight, outWidth });
    return out;
  }
  const dx = f32(backend, out);
  const x = f32(backend, input);
  const g = f32(backend, dy);
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  dx.fill(0);
  const rowStride = inWidth * ch;
  const best = new Float32Array(ch);
  const at = new Int32Array(ch);
  let o = 0;
  for (let n = 0; n < batchSize; n++) {
    const image = n * inHeight * rowStride;
    for (let i = 0; i < outHeight; i++) {
      const h0 = i * strideHeight - padTop;
      const hLo = Math.max(0, h0);
      const hHi = Math.min(inHeight, h0 + filterHeight);
      for (let j = 0; j < outWidth; j++, o += ch) {
        const w0 = j * strideWidth - padLeft;
        const wLo = Math.max(0, w0);
        const wHi = Math.min(inWidth, w0 + filterWidth);
        best.fill(-Infinity);
        at.fill(-1);
        for (let h = hLo; h < hHi; h++) {
          for (let w = wLo; w < wHi; w++) {
            const base = image + h * rowStride + w * ch;
            for (let c = 0; c < ch; c++) {
              const v = x[base + c];
              if (v > best[c]) {
                best[c] = v;
                at[c] = base + c;
              }
            }
          }
        }
        for (let c = 0; c < ch; c++) if (at[c] >= 0) dx[at[c]] += g[o + c];
      }
    }
  }
  return out;
}

/** The SIMD path: 2x2 windows, stride 2, no padding, channels a multiple of 4 (every pool of the tutorial's nets). */
function maxPoolGrad2x2(
  loops: SimdLoops,
  backend: WasmBackend,
  t: { x: tf.TensorInfo; dy: tf.TensorInfo; dx: tf.TensorInfo },
  g: { batchSize: number; inHeight: number; inWidth: number; ch: number; outHeight: number; outWidth: number },
): void {
  const { batchSize, inHeight, inWidth, ch, outHeight, outWidth } = g;
  const x = offsetOf(backend, t.x);
  const dy = offsetOf(backend, t.dy);
  const dx = offsetOf(backend, t.dx);
  const channelBytes = ch * 4;
  const rowBytes = inWidth * channelBytes;
  for (let n = 0; n < batchSize; n++) {
    for (let i = 0; i < outHeight; i++) {
      const at = (n * inHeight + 2 * i) * rowBytes;
      loops.max_pool_grad_2x2_row(x + at, dy + (n * outHeight + i) * outWidth * channelBytes, dx + at, outWidth, channelBytes, rowBytes);
    }
  }
  // Positions no window covers (a last odd row or column) get 0.
  const view = f32(backend, t.dx);
  const rowFloats = inWidth * ch;
  for (let n = 0; n < batchSize; n++) {
    const image = n * inHeight * rowFloats;
    if (inWidth > 2 * outWidth) {
      for (let h = 0; h < 2 * outHeight; h++) view.fill(0, image + h * rowFloats + 2 * outWidth * ch, image + (h + 1) * rowFloats);
    }
    if (inHeight > 2 * outHeight) view.fill(0, image + 2 * outHeight * rowFloats, image + inHeight * rowFloats);
  }
}

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGrad,
};
