/**
 * The WebAssembly SIMD loops that run over an UpdateMemory (update-memory.ts):
 * the Nesterov update for 1..4 gradient parts and for any count through a
 * table of part offsets, and the scan for NaN and infinities. Assembled and
 * compiled once, on first use.
 *
 * Each loop does the float32 operations of nesterov.ts's TypeScript loop in
 * the same order, so the two give the same bits. The loops read lr, mu and
 * scale, each splat over 4 lanes, from a constants block at bytes 0, 16, 32.
 */
import { type FunctionDef, I32, V128, assemble, op } from '../wasm-training/simd/assembler.ts';

const { get, set, tee, i32, add, mul, ltU, loop, end, brIf } = op;

/** The exported loops: see nesterovLoop / nesterovLoopTable. */
export interface UpdateExports {
  nesterov_1(p: number, v: number, g0: number, vectors: number, constants: number): void;
  nesterov_2(p: number, v: number, g0: number, g1: number, vectors: number, constants: number): void;
  nesterov_3(p: number, v: number, g0: number, g1: number, g2: number, vectors: number, constants: number): void;
  nesterov_4(p: number, v: number, g0: number, g1: number, g2: number, g3: number, vectors: number, constants: number): void;
  /** k >= 2 parts whose byte offsets are k i32 at `table`. */
  nesterov_table(p: number, v: number, table: number, k: number, vectors: number, constants: number): void;
  /** Stores (i32 at `out`) the index of the first of `vectors` vectors at x holding a NaN or infinity, or -1. */
  non_finite(x: number, vectors: number, out: number): void;
}

/** See UpdateExports.non_finite. x - x is 0 for finite x and NaN for NaN and +-Infinity. */
const nonFiniteLoop: FunctionDef = {
  name: 'non_finite',
  params: 3,
  locals: [I32], // 3 i
  body: [
    i32(0), set(3),
    op.block,
    loop,
    get(0), op.v128Load(), get(0), op.v128Load(), op.f32x4Sub, op.f32Const0, op.f32x4Splat, op.f32x4Ne, op.v128AnyTrue, op.brIf(1),
    get(0), i32(16), add, set(0),
    get(3), i32(1), add, tee(3), get(1), ltU, brIf(0),
    end,
    i32(-1), set(3),
    end,
    get(2), get(3), op.i32Store,
  ],
};

/**
 * One update step over `vectors` groups of 4 floats with `parts` gradient
 * pointers as parameters (p, v, g0..g[parts-1], vectors, constants):
 *   g  = ((g0 + g1) + g2) + ...        float32 adds, in order
 *   st = lr * (g * scale)
 *   vn = mu * v - st                   stored as the new velocity
 *   p  = p + (mu * vn - st)
 */
function nesterovLoop(parts: number): FunctionDef {
  const vectors = 2 + parts;
  const constants = 3 + parts;
  const [lr, mu, scale, step, vn] = [4 + parts, 5 + parts, 6 + parts, 7 + parts, 8 + parts];
  const advance = Array.from({ length: 2 + parts }, (_, i) => [get(i), i32(16), add, set(i)]).flat();
  const sum = [get(2), op.v128Load()];
  for (let j = 1; j < parts; j++) sum.push(get(2 + j), op.v128Load(), op.f32x4Add);
  return {
    name: `nesterov_${parts}`,
    params: 4 + parts,
    locals: [V128, V128, V128, V128, V128],
    body: [
      get(constants), op.v128Load(0), set(lr),
      get(constants), op.v128Load(16), set(mu),
      get(constants), op.v128Load(32), set(scale),
      loop,
      ...update(sum, lr, mu, scale, step, vn),
      ...advance,
      get(vectors), i32(-1), add, tee(vectors), brIf(0),
      end,
    ],
  };
}

/** The update for any number (>= 2) of parts, read through a table of their byte offsets. */
function nesterovLoopTable(): FunctionDef {
  // params 0 p, 1 v, 2 table, 3 k, 4 vectors, 5 constants; locals 6 offset, 7 j, 8 lr, 9 mu, 10 scale, 11 step, 12 vn, 13 g
  const [offset, j, lr, mu, scale, step, vn, g] = [6, 7, 8, 9, 10, 11, 12, 13];
  // The part's byte offset (table[index]) plus the running offset, loaded as a vector.
  const partAt = (index: readonly number[]): (readonly number[])[] => [get(2), index, op.i32Load, get(offset), add, op.v128Load()];
  const sum = [
    ...partAt([]),
    set(g),
    i32(1), set(j),
    loop,
    get(g), ...partAt([...get(j), ...i32(4), ...mul, ...add]), op.f32x4Add, set(g),
    get(j), i32(1), add, tee(j), get(3), ltU, brIf(0),
    end,
    get(g),
  ];
  return {
    name: 'nesterov_table',
    params: 6,
    locals: [I32, I32, V128, V128, V128, V128, V128, V128],
    body: [
      get(5), op.v128Load(0), set(lr),
      get(5), op.v128Load(16), set(mu),
      get(5), op.v128Load(32), set(scale),
      loop,
      ...update(sum, lr, mu, scale, step, vn),
      get(0), i32(16), add, set(0),
      get(1), i32(16), add, set(1),
      get(offset), i32(16), add, set(offset),
      get(4), i32(-1), add, tee(4), brIf(0),
      end,
    ],
  };
}

/** The update of one vector at p (param 0) and v (param 1), given code that leaves the gradient sum on the stack. */
function update(sum: readonly (number | readonly number[])[], lr: number, mu: number, scale: number, step: number, vn: number): (number | readonly number[])[] {
  return [
    ...sum, get(scale), op.f32x4Mul, get(lr), op.f32x4Mul, set(step),
    get(mu), get(1), op.v128Load(), op.f32x4Mul, get(step), op.f32x4Sub, set(vn),
    get(1), get(vn), op.v128Store(),
    get(0), get(0), op.v128Load(), get(mu), get(vn), op.f32x4Mul, get(step), op.f32x4Sub, op.f32x4Add, op.v128Store(),
  ];
}

/** The part of the host's WebAssembly API used here. */
export interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: object };
  Memory: new (descriptor: { initial: number; maximum?: number }) => { readonly buffer: ArrayBuffer };
}

let compiled: { module: object; api: WebAssemblyApi } | null | undefined;

/** The compiled loops, or null where WebAssembly SIMD is unavailable. */
export function updateModule(): { module: object; api: WebAssemblyApi } | null {
  if (compiled !== undefined) return compiled;
  const api = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  const bytes = assemble([1, 2, 3, 4].map(nesterovLoop).concat(nesterovLoopTable(), nonFiniteLoop), false);
  compiled = api && api.validate(bytes) ? { module: new api.Module(bytes), api } : null;
  return compiled;
}
