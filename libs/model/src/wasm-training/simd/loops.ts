/**
 * The training kernels' memory-bound inner loops as WebAssembly SIMD, run
 * directly on the tfjs wasm heap (the module imports the backend's memory).
 * Plain TypeScript loops run at several ns per element here, 5-20x slower
 * than these; on the activations of a 96x96 conv layer that is the
 * difference between milliseconds and a second per step.
 *
 * All arguments are i32: byte offsets into the heap, counts, byte strides.
 * Every loop runs at least once, so callers pass non-zero counts.
 */
import { type FunctionDef, V128, I32, assemble, op } from './assembler.ts';
import { OUTER_PRODUCTS, OUTER_T_MAX, OUTER_V_MAX, addF32ToF64, copyRows, outerProductName, zeroVectors } from './outer-product.ts';

const { get, set, tee, i32, add, ltU, loop, end, brIf } = op;

/** out[i] = x[i] > 0 ? dy[i] : 0 over `vectors` groups of 4 floats. Params: dy, x, out, vectors. */
const reluGrad: FunctionDef = {
  name: 'relu_grad',
  params: 4,
  locals: [],
  body: [
    loop,
    get(2), get(0), op.v128Load(), get(1), op.v128Load(), op.f32Const0, op.f32x4Splat, op.f32x4Gt, op.v128And, op.v128Store(),
    get(0), i32(16), add, set(0),
    get(1), i32(16), add, set(1),
    get(2), i32(16), add, set(2),
    get(3), i32(-1), add, tee(3), brIf(0),
    end,
  ],
};

/**
 * One output row of a 2x2, stride-2 max pool's gradient: for each window and
 * channel, dy goes to the first (row-major) of the 4 positions equal to the
 * window's maximum, 0 to the other 3. Params: x (window row start), dy (row
 * start), dx (like x), windows (output width), channelBytes (a multiple of 16),
 * rowBytes (one input row).
 */
const maxPoolGradRow: FunctionDef = {
  name: 'max_pool_grad_2x2_row',
  params: 6,
  // 6 k, 7 a, 8 b, 9 c, 10 d, 11 m, 12 g, 13 taken, 14 e
  locals: [I32, V128, V128, V128, V128, V128, V128, V128, V128],
  body: [
    loop,
    i32(0), set(6),
    loop,
    // a, b, c, d: the window's 4 positions for channels k..k+3
    get(0), get(6), add, op.v128Load(), set(7),
    get(0), get(6), add, get(4), add, op.v128Load(), set(8),
    get(0), get(6), add, get(5), add, op.v128Load(), set(9),
    get(0), get(6), add, get(5), add, get(4), add, op.v128Load(), set(10),
    get(7), get(8), op.f32x4Max, get(9), get(10), op.f32x4Max, op.f32x4Max, set(11),
    get(1), get(6), add, op.v128Load(), set(12),
    // first position equal to the maximum takes dy
    get(7), get(11), op.f32x4Eq, set(13),
    get(2), get(6), add, get(12), get(13), op.v128And, op.v128Store(),
    get(8), get(11), op.f32x4Eq, get(13), op.v128AndNot, set(14),
    get(2), get(6), add, get(4), add, get(12), get(14), op.v128And, op.v128Store(),
    get(13), get(14), op.v128Or, set(13),
    get(9), get(11), op.f32x4Eq, get(13), op.v128AndNot, set(14),
    get(2), get(6), add, get(5), add, get(12), get(14), op.v128And, op.v128Store(),
    get(13), get(14), op.v128Or, set(13),
    get(10), get(11), op.f32x4Eq, get(13), op.v128AndNot, set(14),
    get(2), get(6), add, get(5), add, get(4), add, get(12), get(14), op.v128And, op.v128Store(),
    get(6), i32(16), add, tee(6), get(4), ltU, brIf(0),
    end,
    // next window: x and dx move 2 columns, dy one
    get(0), get(4), add, get(4), add, set(0),
    get(2), get(4), add, get(4), add, set(2),
    get(1), get(4), add, set(1),
    get(3), i32(-1), add, tee(3), brIf(0),
    end,
  ],
};

/** out[k] += x[r, k] for `rows` rows of rowBytes (a multiple of 16). Params: x, rows, rowBytes, out. */
const addRows: FunctionDef = {
  name: 'add_rows',
  params: 4,
  locals: [I32], // 4 k
  body: [
    loop,
    i32(0), set(4),
    loop,
    get(3), get(4), add, get(3), get(4), add, op.v128Load(), get(0), get(4), add, op.v128Load(), op.f32x4Add, op.v128Store(),
    get(4), i32(16), add, tee(4), get(2), ltU, brIf(0),
    end,
    get(0), get(2), add, set(0),
    get(1), i32(-1), add, tee(1), brIf(0),
    end,
  ],
};

/**
 * Strided gathers into rows: for t < rows, for j < count:
 * dst[t*dstRowBytes + 4j] = src[4t + j*srcStepBytes] (floats). Params: dst, src, rows, count, dstRowBytes, srcStepBytes.
 */
const gatherRows: FunctionDef = {
  name: 'gather_rows',
  params: 6,
  locals: [I32, I32, I32], // 6 d, 7 s, 8 j
  body: [
    loop,
    get(0), set(6),
    get(1), set(7),
    get(3), set(8),
    loop,
    get(6), get(7), op.f32Load, op.f32Store,
    get(6), i32(4), add, set(6),
    get(7), get(5), add, set(7),
    get(8), i32(-1), add, tee(8), brIf(0),
    end,
    get(0), get(4), add, set(0),
    get(1), i32(4), add, set(1),
    get(2), i32(-1), add, tee(2), brIf(0),
    end,
  ],
};

/**
 * out[i] = src[i] / 255 (bytes to float32; IEEE division, so each value is
 * p / 255 correctly rounded) over `groups` groups of 8. Params: src, out, groups.
 */
const bytesToUnit: FunctionDef = {
  name: 'bytes_to_unit',
  params: 3,
  locals: [V128, V128], // 3 the 8 bytes as 16-bit lanes, 4 255 in every lane
  body: [
    op.f32Const(255), op.f32x4Splat, set(4),
    loop,
    get(0), op.v128Load8x8U(), set(3),
    get(1), get(3), op.i32x4ExtendLowI16x8U, op.f32x4ConvertI32x4U, get(4), op.f32x4Div, op.v128Store(),
    get(1), get(3), op.i32x4ExtendHighI16x8U, op.f32x4ConvertI32x4U, get(4), op.f32x4Div, op.v128Store(16),
    get(0), i32(8), add, set(0),
    get(1), i32(32), add, set(1),
    get(2), i32(-1), add, tee(2), brIf(0),
    end,
  ],
};

export const SIMD_LOOPS: readonly FunctionDef[] = [reluGrad, maxPoolGradRow, addRows, gatherRows, addF32ToF64, zeroVectors, copyRows, bytesToUnit, ...OUTER_PRODUCTS];

/** An exported loop; every argument is an i32. */
export type LoopFunction = (...args: number[]) => void;

export interface SimdLoops {
  relu_grad(dy: number, x: number, out: number, vectors: number): void;
  max_pool_grad_2x2_row(x: number, dy: number, dx: number, windows: number, channelBytes: number, rowBytes: number): void;
  add_rows(x: number, rows: number, rowBytes: number, out: number): void;
  gather_rows(dst: number, src: number, rows: number, count: number, dstRowBytes: number, srcStepBytes: number): void;
  add_f32_to_f64(src: number, dst: number, groups: number): void;
  zero_vectors(dst: number, vectors: number): void;
  bytes_to_unit(src: number, out: number, groups: number): void;
  copy_rows(src: number, srcStride: number, dst: number, dstStride: number, rows: number, rowBytes: number): void;
  /** The outer-product variant T x V (see outer-product.ts), as an index into `byIndex`. */
  outerIndex(t: number, v: number, strided?: boolean, biasRelu?: boolean): number;
  /** A loop's index into `byIndex`, by export name. */
  indexOf(name: string): number;
  /** Every loop, in SIMD_LOOPS order (call lists name loops by this index). */
  readonly byIndex: readonly LoopFunction[];
  /** The compiled module and the memory it runs on, for helper threads (helpers.ts). */
  readonly module: object;
  readonly memory: HeapMemory;
}

/** A WebAssembly.Memory (typed here: the project's TypeScript libs have no WebAssembly declarations). */
export interface HeapMemory {
  readonly buffer: ArrayBufferLike;
}

interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: object };
}

const instances = new WeakMap<HeapMemory, SimdLoops>();

/** The loops compiled against `memory` (cached per memory); null where WebAssembly SIMD is unavailable. */
export function simdLoops(memory: HeapMemory): SimdLoops | null {
  const cached = instances.get(memory);
  if (cached) return cached;
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const bytes = assemble(SIMD_LOOPS, shared);
  const wasm = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
  if (!wasm.validate(bytes)) return null;
  const module = new wasm.Module(bytes);
  const exports = new wasm.Instance(module, { env: { memory } }).exports as Record<string, LoopFunction>;
  const byIndex = SIMD_LOOPS.map((f) => exports[f.name]);
  const indexOf = (name: string): number => {
    const i = SIMD_LOOPS.findIndex((f) => f.name === name);
    if (i < 0) throw new RangeError(`no SIMD loop '${name}'`);
    return i;
  };
  const variants = OUTER_T_MAX * OUTER_V_MAX;
  const outer = Array.from({ length: 3 * variants }, (_, i) =>
    indexOf(outerProductName(Math.floor((i % variants) / OUTER_V_MAX) + 1, (i % OUTER_V_MAX) + 1, i >= variants, i >= 2 * variants)),
  );
  const outerIndex = (t: number, v: number, strided = false, biasRelu = false): number => {
    if (!(t >= 1 && t <= OUTER_T_MAX && v >= 1 && v <= OUTER_V_MAX) || (biasRelu && !strided)) throw new RangeError(`no outer-product loop ${t} x ${v}`);
    return outer[(biasRelu ? 2 * variants : strided ? variants : 0) + (t - 1) * OUTER_V_MAX + v - 1];
  };
  const named = exports as unknown as Omit<SimdLoops, 'outerIndex' | 'indexOf' | 'byIndex' | 'module' | 'memory'>;
  const loops: SimdLoops = { ...named, outerIndex, indexOf, byIndex, module, memory };
  instances.set(memory, loops);
  return loops;
}
