/**
 * Register-blocked sums of outer products, the inner loop of every weight
 * gradient (a convolution's filter, a dense layer's x^T dy):
 *
 *   dw[t, o] += sum over rows r < rows, pixels j < width of
 *               x[r*xRow + j*xPix + 4t] * dy[r*dyRow + j*dyPix + 4o]   (byte offsets)
 *
 * for a block of T consecutive floats t of x (one pixel's patch or input
 * row) and V vectors (4V floats) o of dy. The T x V accumulators stay in
 * registers over all pixels, so each pixel costs V vector loads and T
 * broadcast loads for 4TV multiply-adds; XNNPACK would first repack one
 * operand (the whole of dy, or the patches) per product. T is 1..4 and V 1..2
 * (at most 8 accumulators + 3 operands: no spills in x64's 16 registers);
 * the caller takes the bulk in 4 x 2 blocks and the remainders with the
 * smaller shapes.
 *
 * Params (i32, bytes): x, dy, dw, rows, width, xPix, xRow, dyPix, dyRow,
 * dwRow (dw's row stride), tBlocks, oBlocks: blocks of T x 4V outputs,
 * t-blocks advancing 4T bytes in x and T rows in dw, o-blocks 16V bytes in
 * dy and dw. dw is read and written (it accumulates). All counts >= 1.
 * The strided variants take a 13th parameter, xT, the byte distance between
 * the T floats of x (and advance T*xT bytes per t-block): the rows of the
 * left operand of a plain product, dw then being its output rows.
 */
import { type FunctionDef, I32, V128, op } from './assembler.ts';

const { get, set, tee, i32, add, mul, loop, end, brIf } = op;

export const OUTER_T_MAX = 4;
export const OUTER_V_MAX = 2;

/**
 * Export name of the T x V variant; `strided`: the T floats of x are xT bytes
 * apart (rows of a matrix: a plain product x W) instead of adjacent.
 */
export function outerProductName(t: number, v: number, strided = false, biasRelu = false): string {
  return `outer${strided ? '_strided' : ''}${biasRelu ? '_bias_relu' : ''}_t${t}_v${v}`;
}

/**
 * `biasRelu` (strided only): a convolution's forward pass with its bias and
 * ReLU: the accumulators start from bias[o] (a 14th parameter, advancing
 * with the o-blocks) instead of dw, and dw gets max(sum, 0).
 */
export function outerProduct(T: number, V: number, strided = false, biasRelu = false): FunctionDef {
  if (biasRelu && !strided) throw new Error('bias_relu variants are strided');
  // Params 0..11 (see above), 12 = xT when strided, 13 = bias; then i32 locals, then v128 locals.
  const [x, dy, dw, rows, width, xPix, xRow, dyPix, dyRow, dwRow, tBlocks, oBlocks, xT, bias] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
  const params = 12 + (strided ? 1 : 0) + (biasRelu ? 1 : 0);
  const [tb, ob, r, j, xr, dyr, xq, dyq, dyb, dwb, xb, dwt, biasb] = Array.from({ length: 13 }, (_, i) => params + i);
  const xAt = Array.from({ length: T }, (_, t) => params + 13 + t); // strided: byte offset of float t (t*xT)
  const vBase = params + 13 + (strided ? T : 0);
  const s = vBase;
  const d = (v: number) => vBase + 1 + v;
  const acc = (t: number, v: number) => vBase + 1 + V + t * V + v;
  /** Byte address of dw row t of the current block. */
  const dwRowAt = (t: number) => (t === 0 ? [get(dwb)] : [get(dwb), get(dwRow), i32(t), mul, add]);
  const body: number[][] = [];
  const each = (f: (t: number, v: number) => number[][]) => {
    for (let t = 0; t < T; t++) for (let v = 0; v < V; v++) body.push(...f(t, v));
  };
  if (strided) for (let t = 1; t < T; t++) body.push(get(xT), i32(t), mul, set(xAt[t]));
  body.push(get(tBlocks), set(tb), get(x), set(xb), get(dw), set(dwt));
  body.push(op.loop);
  body.push(get(oBlocks), set(ob), get(dy), set(dyb), get(dwt), set(dwb), ...(biasRelu ? [get(bias), set(biasb)] : []));
  body.push(op.loop);
  each((t, v) => (biasRelu ? [get(biasb), op.v128Load(16 * v), set(acc(t, v))] : [...dwRowAt(t), op.v128Load(16 * v), set(acc(t, v))]));
  body.push(get(rows), set(r), get(xb), set(xr), get(dyb), set(dyr));
  body.push(loop);
  body.push(get(width), set(j), get(xr), set(xq), get(dyr), set(dyq));
  body.push(loop);
  for (let v = 0; v < V; v++) body.push(get(dyq), op.v128Load(16 * v), set(d(v)));
  for (let t = 0; t < T; t++) {
    body.push(...(strided && t > 0 ? [get(xq), get(xAt[t]), add, op.v128Load32Splat()] : [get(xq), op.v128Load32Splat(4 * t)]), set(s));
    for (let v = 0; v < V; v++) body.push(get(acc(t, v)), get(s), get(d(v)), op.f32x4Mul, op.f32x4Add, set(acc(t, v)));
  }
  body.push(get(xq), get(xPix), add, set(xq), get(dyq), get(dyPix), add, set(dyq));
  body.push(get(j), i32(-1), add, tee(j), brIf(0), end);
  body.push(get(xr), get(xRow), add, set(xr), get(dyr), get(dyRow), add, set(dyr));
  body.push(get(r), i32(-1), add, tee(r), brIf(0), end);
  each((t, v) => [...dwRowAt(t), get(acc(t, v)), ...(biasRelu ? [op.f32Const0, op.f32x4Splat, op.f32x4Max] : []), op.v128Store(16 * v)]);
  body.push(get(dyb), i32(16 * V), add, set(dyb), get(dwb), i32(16 * V), add, set(dwb));
  if (biasRelu) body.push(get(biasb), i32(16 * V), add, set(biasb));
  body.push(get(ob), i32(-1), add, tee(ob), brIf(0), end);
  // next t-block: T floats on in x (T rows of x when strided), T rows on in dw
  body.push(get(xb), ...(strided ? [get(xT), i32(T), mul] : [i32(4 * T)]), add, set(xb), get(dwt), get(dwRow), i32(T), mul, add, set(dwt));
  body.push(get(tb), i32(-1), add, tee(tb), brIf(0), end);
  return {
    name: outerProductName(T, V, strided, biasRelu),
    params,
    locals: [...Array<number>(13 + (strided ? T : 0)).fill(I32), ...Array<number>(1 + V + T * V).fill(V128)],
    body,
  };
}

/** Every variant: contiguous, strided, strided with bias and ReLU; each T-major. */
export const OUTER_PRODUCTS: readonly FunctionDef[] = [
  [false, false],
  [true, false],
  [true, true],
].flatMap(([strided, biasRelu]) =>
  Array.from({ length: OUTER_T_MAX * OUTER_V_MAX }, (_, i) => outerProduct(Math.floor(i / OUTER_V_MAX) + 1, (i % OUTER_V_MAX) + 1, strided, biasRelu)),
);

/**
 * dst[i] += src[i] for `groups` groups of 4 floats, src float32 and dst
 * float64: per-image partial sums of a gradient into its float64 total.
 * Params: src, dst, groups.
 */
export const addF32ToF64: FunctionDef = {
  name: 'add_f32_to_f64',
  params: 3,
  locals: [],
  body: [
    loop,
    get(1), get(1), op.v128Load(), get(0), op.v128Load64Zero(), op.f64x2PromoteLowF32x4, op.f64x2Add, op.v128Store(),
    get(1), get(1), op.v128Load(16), get(0), op.v128Load64Zero(8), op.f64x2PromoteLowF32x4, op.f64x2Add, op.v128Store(16),
    get(0), i32(16), add, set(0),
    get(1), i32(32), add, set(1),
    get(2), i32(-1), add, tee(2), brIf(0),
    end,
  ],
};

/** Zeroes `vectors` groups of 4 floats. Params: dst, vectors. */
export const zeroVectors: FunctionDef = {
  name: 'zero_vectors',
  params: 2,
  locals: [],
  body: [
    loop,
    get(0), op.f32Const0, op.f32x4Splat, op.v128Store(),
    get(0), i32(16), add, set(0),
    get(1), i32(-1), add, tee(1), brIf(0),
    end,
  ],
};

/**
 * Copies `rows` rows of rowBytes (a multiple of 16) from src (rows srcStride
 * bytes apart) to dst (dstStride apart): packs a panel of columns of a wide
 * matrix so that its rows are adjacent (rows of a 9216-wide matrix are 36 KB
 * apart, which maps all of them to the same L1 cache set).
 * Params: src, srcStride, dst, dstStride, rows, rowBytes.
 */
export const copyRows: FunctionDef = {
  name: 'copy_rows',
  params: 6,
  locals: [I32], // 6 i
  body: [
    loop,
    i32(0), set(6),
    loop,
    get(2), get(6), add, get(0), get(6), add, op.v128Load(), op.v128Store(),
    get(6), i32(16), add, tee(6), get(5), op.ltU, brIf(0),
    end,
    get(0), get(1), add, set(0),
    get(2), get(3), add, set(2),
    get(4), i32(-1), add, tee(4), brIf(0),
    end,
  ],
};
