/**
 * Where the optimizer's arrays live: the parameters, their velocities and a
 * few gradient buffers, side by side in one WebAssembly memory, so that the
 * Nesterov update (nesterov.ts) can run as a WebAssembly SIMD loop over them.
 *
 * Why: the update streams every parameter, velocity and gradient part through
 * memory once per step. For net2's 8M parameters a plain TypeScript loop
 * takes about 30 ms per gradient part on this 2-core VM, the SIMD loop about
 * 8 ms (it runs at memory speed). Gradient sources write their sums straight
 * into the buffers handed out here (`takeGradient`), so nothing is copied on
 * the way to the update.
 *
 * The SIMD loop and the TypeScript loop compute the same float32 operations
 * in the same order, so results are bit-identical whichever runs (tested).
 */
import { type FunctionDef, I32, V128, assemble, op } from './wasm-training/simd/assembler.ts';

const { get, set, tee, i32, add, mul, ltU, loop, end, brIf } = op;

/** Bytes of the constants block at the start of the memory: lr, mu, scale, each splat over 4 lanes. */
const CONSTANTS_BYTES = 48;
const PAGE_BYTES = 65536;
/** wasm32 memories hold at most 65536 pages (4 GiB). */
const MAX_PAGES = 65536;
/** Entries of the table of part offsets that nesterov_table reads: the most parts, and slots, one update takes in SIMD. */
const TABLE_ENTRIES = 64;

/** The exported loops: see nesterovLoop / nesterovLoopTable. */
interface UpdateExports {
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

interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: object };
  Memory: new (descriptor: { initial: number; maximum?: number }) => { readonly buffer: ArrayBuffer };
}

let compiled: { module: object; api: WebAssemblyApi } | null | undefined;

/** The compiled loops, or null where WebAssembly SIMD is unavailable. */
function updateModule(): { module: object; api: WebAssemblyApi } | null {
  if (compiled !== undefined) return compiled;
  const api = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  const bytes = assemble([1, 2, 3, 4].map(nesterovLoop).concat(nesterovLoopTable(), nonFiniteLoop), false);
  compiled = api && api.validate(bytes) ? { module: new api.Module(bytes), api } : null;
  return compiled;
}

/** The SIMD update of the memory an array lives in, if it lives in an UpdateMemory. */
const updaters = new WeakMap<ArrayBufferLike, UpdateMemory>();

export function updateMemoryOf(array: Float32Array): UpdateMemory | null {
  return updaters.get(array.buffer) ?? null;
}

/**
 * Index of the first NaN or infinite value, or -1. A SIMD scan at memory
 * speed when `values` lives in an UpdateMemory (a received gradient is
 * checked before it may reach the parameters), else a TypeScript loop.
 */
export function firstNonFinite(values: Float32Array): number {
  const from = updateMemoryOf(values)?.trySimdScan(values) ?? 0;
  for (let i = from; i < values.length; i++) {
    // x - x is 0 for finite x and NaN for NaN and +-Infinity.
    if (values[i] - values[i] !== 0) return i;
  }
  return -1;
}

/**
 * Parameters, velocities and `gradientSlots` gradient buffers of
 * `parameterCount` floats each (as many as fit in a 4 GiB memory, at most
 * TABLE_ENTRIES). Without WebAssembly SIMD
 * the arrays are plain and the update runs in TypeScript, with the same
 * results; so does an update with a part that lives elsewhere.
 */
export class UpdateMemory {
  readonly parameters: Float32Array;
  readonly velocity: Float32Array;
  private readonly slots: Float32Array[];
  private taken = 0;
  private readonly loops: UpdateExports | null;
  private readonly constants: Float32Array | null;
  private readonly table: Int32Array | null;

  constructor(
    readonly parameterCount: number,
    gradientSlots: number,
  ) {
    const module = updateModule();
    // Each array starts on a 16-byte boundary; the table of part offsets follows the constants.
    const arrayBytes = Math.ceil((parameterCount * 4) / 16) * 16;
    const tableBytes = 4 * TABLE_ENTRIES;
    const fixedBytes = CONSTANTS_BYTES + tableBytes + 2 * arrayBytes;
    const slotsThatFit = Math.max(0, Math.floor((MAX_PAGES * PAGE_BYTES - fixedBytes) / Math.max(16, arrayBytes)));
    const slots = Math.min(gradientSlots, slotsThatFit, TABLE_ENTRIES);
    if (!module || fixedBytes > MAX_PAGES * PAGE_BYTES) {
      this.parameters = new Float32Array(parameterCount);
      this.velocity = new Float32Array(parameterCount);
      this.slots = Array.from({ length: gradientSlots }, () => new Float32Array(parameterCount));
      this.loops = null;
      this.constants = null;
      this.table = null;
      return;
    }
    const bytes = fixedBytes + slots * arrayBytes;
    // Pages are only touched (and backed by RAM) when written.
    const memory = new module.api.Memory({ initial: Math.ceil(bytes / PAGE_BYTES) });
    const instance = new module.api.Instance(module.module, { env: { memory } });
    this.loops = instance.exports as unknown as UpdateExports;
    const { buffer } = memory;
    this.constants = new Float32Array(buffer, 0, CONSTANTS_BYTES / 4);
    this.table = new Int32Array(buffer, CONSTANTS_BYTES, tableBytes / 4);
    const at = (i: number): Float32Array => new Float32Array(buffer, CONSTANTS_BYTES + tableBytes + i * arrayBytes, parameterCount);
    this.parameters = at(0);
    this.velocity = at(1);
    this.slots = Array.from({ length: slots }, (_, i) => at(2 + i));
    updaters.set(buffer, this);
  }

  /** True when the update over these arrays runs as WebAssembly SIMD. */
  get simd(): boolean {
    return this.loops !== null;
  }

  /**
   * A gradient buffer for this step (contents undefined): the next free
   * slot, or a plain array once the slots are used up (correct, only the
   * update is slower then). `releaseGradients` frees them all.
   */
  takeGradient(): Float32Array {
    return this.slots[this.taken++] ?? new Float32Array(this.parameterCount);
  }

  releaseGradients(): void {
    this.taken = 0;
  }

  /**
   * Where firstNonFinite's TypeScript scan of `values` must start: past the
   * vectors found finite, or at the first vector holding a non-finite value.
   */
  trySimdScan(values: Float32Array): number {
    const { loops, table } = this;
    const vectors = Math.floor(values.length / 4);
    if (!loops || !table || values.buffer !== table.buffer || values.byteOffset % 16 !== 0 || vectors === 0) return 0;
    loops.non_finite(values.byteOffset, vectors, table.byteOffset);
    return table[0] < 0 ? vectors * 4 : table[0] * 4;
  }

  /**
   * The SIMD update, when params, velocity and every part live here.
   * Returns false (having done nothing) otherwise. Sizes are checked by the caller.
   * The last parameterCount % 4 values are left to the caller (`done` of them were updated).
   */
  trySimdUpdate(params: Float32Array, velocity: Float32Array, parts: readonly Float32Array[], lr: number, mu: number, scale: number): { readonly done: number } | null {
    const { loops, constants, table } = this;
    if (!loops || !constants || !table) return null;
    const buffer = params.buffer;
    if (velocity.buffer !== buffer || parts.some((g) => g.buffer !== buffer)) return null;
    const vectors = Math.floor(params.length / 4);
    if (vectors === 0) return { done: 0 };
    constants.fill(lr, 0, 4);
    constants.fill(mu, 4, 8);
    constants.fill(scale, 8, 12);
    const [p, v, c] = [params.byteOffset, velocity.byteOffset, constants.byteOffset];
    const g = parts.map((x) => x.byteOffset);
    switch (parts.length) {
      case 1:
        loops.nesterov_1(p, v, g[0], vectors, c);
        break;
      case 2:
        loops.nesterov_2(p, v, g[0], g[1], vectors, c);
        break;
      case 3:
        loops.nesterov_3(p, v, g[0], g[1], g[2], vectors, c);
        break;
      case 4:
        loops.nesterov_4(p, v, g[0], g[1], g[2], g[3], vectors, c);
        break;
      default:
        if (parts.length > table.length) return null;
        table.set(g);
        loops.nesterov_table(p, v, table.byteOffset, parts.length, vectors, c);
    }
    return { done: vectors * 4 };
  }
}
