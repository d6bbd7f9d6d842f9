/**
 * FusedConv2D (convolution + bias + ReLU, what the nets' forward pass runs)
 * for the wasm backend on the SIMD outer-product loops, all cores.
 *
 * Output row (n, i), pixels j..j+3, channels o..o+7: the accumulators start
 * from the bias and sum, for each kernel row p, the contiguous segment
 * (q, c) of x's row i*sh + p times the filter's rows [p, q, c, :], then store
 * their ReLU. XNNPACK's convolution does the same sums at roughly half the
 * speed on these shapes (~2 GMAC/s for the 1-channel first layer). Padding,
 * dilation, other activations, NCHW and channel counts not a multiple of 4
 * go to the stock kernel.
 */
import * as tf from '../tf.ts';
import { pushOuterBlocks, split } from './outer-calls.ts';
import { CallList, partsFor, runParallel } from './simd/helpers.ts';
import { stockKernel } from './stock-kernels.ts';
import { type KernelArgs, asWasm, loopsOf, makeF32, offsetOf, runWasmKernel } from './wasm-backend.ts';

export function fusedConv2D(args: KernelArgs): tf.TensorInfo {
  const backend = asWasm(args.backend);
  const { x, filter, bias, preluActivationWeights } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo; bias?: tf.TensorInfo; preluActivationWeights?: tf.TensorInfo };
  const attrs = args.attrs as unknown as tf.FusedConv2DAttrs;
  const loops = loopsOf(backend);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
  const simple =
    loops !== null &&
    attrs.activation === 'relu' &&
    bias !== undefined &&
    preluActivationWeights === undefined &&
    bias.shape.length === 1 &&
    x.dtype === 'float32' &&
    info.dataFormat === 'channelsLast' &&
    info.dilationHeight === 1 &&
    info.dilationWidth === 1 &&
    info.padInfo.top === 0 &&
    info.padInfo.left === 0 &&
    info.outChannels % 4 === 0 &&
    info.outHeight > 0 &&
    info.outWidth > 0;
  if (!simple || !loops) return runWasmKernel(stockKernel(tf.FusedConv2D), backend, args.inputs, args.attrs);
  const { batchSize, inHeight, inWidth, inChannels: cin, outHeight, outWidth, outChannels: cout, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const out = makeF32(backend, [batchSize, outHeight, outWidth, cout]);
  const [xo, wo, bo, oo] = [offsetOf(backend, x), offsetOf(backend, filter), offsetOf(backend, bias), offsetOf(backend, out)];
  const rows = batchSize * outHeight;
  const lists = split(rows, partsFor(loops, rows), 1).map(([r0, r1]) => {
    const calls = new CallList();
    for (let row = r0; row < r1; row++) {
      const n = Math.floor(row / outHeight);
      const i = row % outHeight;
      const sweep = {
        x: xo + (n * inHeight + i * sh) * inWidth * cin * 4,
        dy: wo,
        dw: oo + row * outWidth * cout * 4,
        rows: kh,
        width: kw * cin,
        xPix: 4,
        xRow: inWidth * cin * 4,
        dyPix: cout * 4,
        dyRow: kw * cin * cout * 4,
        dwRow: cout * 4,
        xT: sw * cin * 4,
        bias: bo,
      };
      pushOuterBlocks(calls, loops, sweep, outWidth, cout);
    }
    return calls;
  });
  runParallel(loops, lists);
  return out;
}

export const fusedConv2DConfig: tf.KernelConfig = {
  kernelName: tf.FusedConv2D,
  backendName: 'wasm',
  kernelFunc: fusedConv2D,
};
