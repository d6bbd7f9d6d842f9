/**
 * Conv2DBackpropInput for the wasm backend as one forward XNNPACK convolution.
 *
 * For stride 1, dx[n, h, w, c] = sum over (p, q, o) of dy[n, h - p + top, w - q + left, o] * W[p, q, c, o]
 * is the convolution of dy, zero-padded by (kh-1-top, kw-1-left) before and
 * enough after to give the input's size, with the filter flipped in space and
 * its channel axes swapped: W'[p, q, o, c] = W[kh-1-p, kw-1-q, c, o]. The
 * padding is XNNPACK's own (nothing is materialised); W' is a few thousand
 * floats. The stock kernel (a direct loop, 5-10x slower than a forward
 * convolution) still handles strides other than 1 and NCHW.
 */
import * as tf from '../tf.ts';
import { stockKernel } from './stock-kernels.ts';
import { type KernelArgs, asWasm, dispose, f32, makeF32, runWasmKernel } from './wasm-backend.ts';

export function conv2DBackpropInput(args: KernelArgs): tf.TensorInfo {
  const backend = asWasm(args.backend);
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
  const { inHeight, inWidth, outHeight, outWidth, filterHeight: kh, filterWidth: kw, inChannels: cin, outChannels: cout } = info;
  const top = kh - 1 - info.padInfo.top;
  const left = kw - 1 - info.padInfo.left;
  const bottom = inHeight - outHeight + info.padInfo.top;
  const right = inWidth - outWidth + info.padInfo.left;
  const simple = info.dataFormat === 'channelsLast' && info.strideHeight === 1 && info.strideWidth === 1 && Math.min(top, left, bottom, right) >= 0;
  if (!simple) return runWasmKernel(stockKernel(tf.Conv2DBackpropInput), backend, args.inputs, args.attrs);

  const flipped = makeF32(backend, [kh, kw, cout, cin]);
  const w = f32(backend, filter);
  const wf = f32(backend, flipped);
  for (let p = 0; p < kh; p++) {
    for (let q = 0; q < kw; q++) {
      const src = ((kh - 1 - p) * kw + (kw - 1 - q)) * cin * cout;
      const dst = (p * kw + q) * cout * cin;
      for (let c = 0; c < cin; c++) {
        for (let o = 0; o < cout; o++) wf[dst + o * cin + c] = w[src + c * cout + o];
      }
    }
  }
  try {
    return runWasmKernel(
      stockKernel(tf.Conv2D),
      backend,
      { x: dy, filter: flipped },
      {
        strides: [1, 1],
        pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
        dataFormat: 'NHWC',
        dilations: [1, 1],
      } as unknown as tf.NamedAttrMap,
    );
  } finally {
    dispose(backend, flipped);
  }
}

export const conv2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput,
};
