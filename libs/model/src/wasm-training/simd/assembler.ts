/**
 * Just enough of a WebAssembly binary encoder to write a few SIMD loops by
 * hand: one module that imports the tfjs wasm backend's memory ('env',
 * 'memory') and exports functions of i32 arguments (byte offsets into that
 * memory and counts). No toolchain is needed at build or run time; the
 * functions are checked against plain TypeScript references in the tests.
 */

export const I32 = 0x7f;
export const V128 = 0x7b;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (32-bit). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => vec([...new TextEncoder().encode(s)].map((b) => [b]));
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

/** Instructions, as byte arrays to concatenate. Memory offsets are bytes. */
export const op = {
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  i32: (n: number) => [0x41, ...sleb(n)],
  add: [0x6a],
  sub: [0x6b],
  mul: [0x6c],
  ltU: [0x49],
  /** block/loop with no result; close with `end`. */
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  i32Load: [0x28, 0x02, 0x00],
  i32Store: [0x36, 0x02, 0x00],
  f32Load: [0x2a, 0x02, 0x00],
  f32Store: [0x38, 0x02, 0x00],
  v128Load: (offset = 0) => [0xfd, ...uleb(0x00), 0x00, ...uleb(offset)],
  v128Store: (offset = 0) => [0xfd, ...uleb(0x0b), 0x00, ...uleb(offset)],
  f32x4Splat: [0xfd, ...uleb(0x13)],
  f32x4Eq: [0xfd, ...uleb(0x41)],
  f32x4Ne: [0xfd, ...uleb(0x42)],
  f32x4Gt: [0xfd, ...uleb(0x44)],
  v128Not: [0xfd, ...uleb(0x4d)],
  v128And: [0xfd, ...uleb(0x4e)],
  v128AndNot: [0xfd, ...uleb(0x4f)],
  v128Or: [0xfd, ...uleb(0x50)],
  /** v128.load32_splat: one float from memory into all 4 lanes. */
  v128Load32Splat: (offset = 0) => [0xfd, ...uleb(0x09), 0x00, ...uleb(offset)],
  /** v128.load64_zero: two floats into the low lanes, the high ones 0. */
  v128Load64Zero: (offset = 0) => [0xfd, ...uleb(0x5d), 0x00, ...uleb(offset)],
  /** v128.load8x8_u: 8 bytes widened to 8 unsigned 16-bit lanes. */
  v128Load8x8U: (offset = 0) => [0xfd, ...uleb(0x02), 0x00, ...uleb(offset)],
  i32x4ExtendLowI16x8U: [0xfd, ...uleb(0xa9)],
  i32x4ExtendHighI16x8U: [0xfd, ...uleb(0xaa)],
  f32x4ConvertI32x4U: [0xfd, ...uleb(0xfb)],
  f32x4Div: [0xfd, ...uleb(0xe7)],
  /** f32.const with the value's float32 bits. */
  f32Const: (v: number) => [0x43, ...new Uint8Array(Float32Array.of(v).buffer)],
  v128AnyTrue: [0xfd, ...uleb(0x53)],
  f32x4Add: [0xfd, ...uleb(0xe4)],
  f32x4Sub: [0xfd, ...uleb(0xe5)],
  f32x4Mul: [0xfd, ...uleb(0xe6)],
  f64x2PromoteLowF32x4: [0xfd, ...uleb(0x5f)],
  f64x2Add: [0xfd, ...uleb(0xf0)],
  f32x4Max: [0xfd, ...uleb(0xe9)],
  f32Const0: [0x43, 0, 0, 0, 0],
};

export interface FunctionDef {
  readonly name: string;
  /** Number of i32 parameters. */
  readonly params: number;
  /** Extra locals, in order after the parameters. */
  readonly locals: readonly number[];
  readonly body: readonly (number | readonly number[])[];
}

/**
 * A module importing `memory` from 'env' (shared when the backend's memory is,
 * as in the threaded build) and exporting `functions`.
 */
export function assemble(functions: readonly FunctionDef[], sharedMemory: boolean): Uint8Array {
  const signatures = [...new Set(functions.map((f) => f.params))];
  const types = section(1, vec(signatures.map((p) => [0x60, ...vec(Array.from({ length: p }, () => [I32])), ...vec([])])));
  // Limits: min 0 pages; a shared memory must state its maximum (65536 pages = 4 GiB).
  const limits = sharedMemory ? [0x03, ...uleb(0), ...uleb(65536)] : [0x00, ...uleb(0)];
  const imports = section(2, vec([[...name('env'), ...name('memory'), 0x02, ...limits]]));
  const funcs = section(3, vec(functions.map((f) => uleb(signatures.indexOf(f.params)))));
  const exports = section(7, vec(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)])));
  const bodies = functions.map((f) => {
    const locals = vec(f.locals.map((t) => [...uleb(1), t]));
    const code = [...locals, ...f.body.flatMap((b) => (typeof b === 'number' ? [b] : [...b])), ...op.end];
    return [...uleb(code.length), ...code];
  });
  const code = section(10, vec(bodies));
  return Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...types, ...imports, ...funcs, ...exports, ...code]);
}
