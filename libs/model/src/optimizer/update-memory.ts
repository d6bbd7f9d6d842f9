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
 * The loops themselves are in update-loops.ts.
 */
import { type UpdateExports, updateModule } from './update-loops.ts';

/** Bytes of the constants block at the start of the memory: lr, mu, scale, each splat over 4 lanes. */
const CONSTANTS_BYTES = 48;
const PAGE_BYTES = 65536;
/** wasm32 memories hold at most 65536 pages (4 GiB). */
const MAX_PAGES = 65536;
/** Entries of the table of part offsets that nesterov_table reads: the most parts, and slots, one update takes in SIMD. */
const TABLE_ENTRIES = 64;

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
