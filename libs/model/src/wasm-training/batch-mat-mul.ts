/**
 * BatchMatMul for the wasm backend with fast transposed operands.
 *
 * The stock kernel hands any product with a transposed operand to a naive
 * triple loop (~10x slower than XNNPACK's). Here a transposed product is
 * rewritten as a plain one, choosing whichever costs the fewest moved floats:
 * transpose the flagged operand(s) (C = op(A) op(B)), or compute
 * C^T = op(B)^T op(A)^T and transpose the result. The backward pass of a
 * dense layer needs dy W^T (transpose dy and the result, not the big W) and
 * x^T dy (transpose x). Batched (rank > 2 with a batch above 1) products stay
 * with the stock kernel. The forward product of a dense layer and its x^T dy
 * run on the SIMD outer-product loops instead (outer-calls.ts): both read
 * their operands in place, with no transpose and no repacking.
 */
import * as tf from '../tf.ts';
import { matMulSimd, matMulTransposedASimd } from './outer-calls.ts';
import { stockKernel } from './stock-kernels.ts';
import { type KernelArgs, type WasmBackend, asWasm, dispose, loopsOf, reshaped, runWasmKernel } from './wasm-backend.ts';

/** The SIMD loops take products whose row count (a plain product's m, a^T b's inner dimension: the batch) is at most this... */
const SIMD_MAX_ROWS = 256;
/** ...and, for a plain product, whose right operand (the weights) is at least this big: XNNPACK is faster on the small ones. */
const SIMD_MIN_WEIGHTS = 1 << 16;

export function batchMatMul(args: KernelArgs): tf.TensorInfo {
  const backend = asWasm(args.backend);
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
  const stock = stockKernel(tf.BatchMatMul);
  const batchA = a.shape.slice(0, -2).reduce((x, y) => x * y, 1);
  const batchB = b.shape.slice(0, -2).reduce((x, y) => x * y, 1);
  if (batchA !== 1 || batchB !== 1 || a.dtype !== 'float32' || b.dtype !== 'float32') return runWasmKernel(stock, backend, args.inputs, args.attrs);
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  const m = transposeA ? ac : ar;
  const k = transposeA ? ar : ac;
  const n = transposeB ? br : bc;
  if ((transposeB ? bc : br) !== k) throw new Error(`matMul: inner shapes of ${a.shape} (transposeA ${transposeA}) and ${b.shape} (transposeB ${transposeB}) differ`);
  const outShape = [...broadcastOuter(a.shape.slice(0, -2), b.shape.slice(0, -2)), m, n];
  const loops = loopsOf(backend);
  if (loops && !transposeB && n % 4 === 0 && m > 0 && k > 0) {
    // A dense layer's forward pass (few rows times big weights) and its weight gradient x^T dy (a short inner dimension).
    if (!transposeA && m <= SIMD_MAX_ROWS && k * n >= SIMD_MIN_WEIGHTS) return reshaped(matMulSimd(loops, backend, a, b, m, k, n), outShape);
    if (transposeA && k <= SIMD_MAX_ROWS) return reshaped(matMulTransposedASimd(loops, backend, a, b, k, m, n), outShape);
  }
  if (!transposeA && !transposeB) return runWasmKernel(stock, backend, args.inputs, args.attrs);
  const a2 = reshaped(a, [ar, ac]);
  const b2 = reshaped(b, [br, bc]);
  const plain = { transposeA: false, transposeB: false };

  // Floats moved by each plan (the product itself costs the same): the
  // transposes, plus XNNPACK's packing of the right operand, which it redoes
  // for every fresh tensor (net1's x^T dy: packing x of 128x9216 as the right
  // operand made the swapped plan 5x slower than transposing x).
  const direct = (transposeA ? ar * ac : 0) + (transposeB ? br * bc : 0) + k * n;
  const swapped = (transposeA ? 0 : ar * ac) + (transposeB ? 0 : br * bc) + m * n + k * m;
  const temps: tf.TensorInfo[] = [];
  const t = (x: tf.TensorInfo): tf.TensorInfo => {
    const y = transpose2d(backend, x);
    temps.push(y);
    return y;
  };
  try {
    if (direct <= swapped) {
      const out = runWasmKernel(stock, backend, { a: transposeA ? t(a2) : a2, b: transposeB ? t(b2) : b2 }, plain);
      return reshaped(out, outShape);
    }
    // C^T = op(B)^T op(A)^T: op(B)^T is B itself when B was flagged, else B^T.
    const ct = runWasmKernel(stock, backend, { a: transposeB ? b2 : t(b2), b: transposeA ? a2 : t(a2) }, plain);
    temps.push(ct);
    return reshaped(transpose2d(backend, ct), outShape);
  } finally {
    dispose(backend, ...temps);
  }
}

function transpose2d(backend: WasmBackend, x: tf.TensorInfo): tf.TensorInfo {
  const [r, c] = x.shape.slice(-2);
  return runWasmKernel(stockKernel(tf.Transpose), backend, { x: reshaped(x, [r, c]) }, { perm: [1, 0] });
}

function broadcastOuter(a: number[], b: number[]): number[] {
  return a.length >= b.length ? a : b;
}

export const batchMatMulConfig: tf.KernelConfig = {
  kernelName: tf.BatchMatMul,
  backendName: 'wasm',
  kernelFunc: batchMatMul,
};
