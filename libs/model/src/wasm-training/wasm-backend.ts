/**
 * The parts of @tensorflow/tfjs-backend-wasm (4.22.0) that the training
 * kernels use, typed here so the kernels need no `any`: tensors live in the
 * module's heap, `makeOutput` allocates one, `typedArrayFromHeap` views one.
 *
 * Views go stale when the heap grows (every allocation may grow it), so a
 * kernel takes its views after its last allocation, or takes them again.
 */
import * as tf from '../tf.ts';
import { startHelpers } from './simd/helpers.ts';
import { type HeapMemory, SIMD_LOOPS, type SimdLoops, simdLoops } from './simd/loops.ts';

export interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
  incRef(dataId: tf.DataId): void;
  readonly dataIdMap: { get(dataId: tf.DataId): { readonly memoryOffset: number } | undefined };
  /** The emscripten module: its heap, and its memory (exported by the plain build, created in JS by the threaded one). */
  readonly wasm: { readonly HEAPU8: Uint8Array; readonly wasmMemory?: HeapMemory; readonly asm?: { readonly memory?: HeapMemory } };
}

/** What a kernel function receives. */
export type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The kernels' `backend` argument, as the wasm backend it is. */
export function asWasm(backend: unknown): WasmBackend {
  return backend as WasmBackend;
}

/** A float32 view of a tensor's data in the heap (see the note above about growth). */
export function f32(backend: WasmBackend, t: tf.TensorInfo): Float32Array {
  if (t.dtype !== 'float32') throw new TypeError(`expected a float32 tensor, got ${t.dtype}`);
  return backend.typedArrayFromHeap(t) as Float32Array;
}

/** Byte offset of a tensor's data in the heap. */
export function offsetOf(backend: WasmBackend, t: tf.TensorInfo): number {
  const data = backend.dataIdMap.get(t.dataId);
  if (!data) throw new Error('tensor data is not on the wasm backend');
  return data.memoryOffset;
}

/** The SIMD loops compiled against the backend's memory, or null (no SIMD, or memory not reachable). */
export function loopsOf(backend: WasmBackend): SimdLoops | null {
  const memory = backend.wasm.wasmMemory ?? backend.wasm.asm?.memory;
  return memory ? simdLoops(memory) : null;
}

/** Starts `count` helper threads for the SIMD loops on the backend's memory (none for a single-threaded build; see simd/helpers.ts). */
export async function startWasmHelpers(backend: unknown, count: number): Promise<void> {
  const loops = loopsOf(asWasm(backend));
  if (loops) await startHelpers(loops, count, SIMD_LOOPS.map((f) => f.name));
}

/** A float32 output tensor of `shape`, uninitialised. */
export function makeF32(backend: WasmBackend, shape: number[]): tf.TensorInfo {
  return backend.makeOutput(shape, 'float32');
}

/** The same data under another shape (no copy; the caller must not dispose it). */
export function reshaped(t: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return { dataId: t.dataId, shape, dtype: t.dtype };
}

export function dispose(backend: WasmBackend, ...ts: tf.TensorInfo[]): void {
  for (const t of ts) backend.disposeData(t.dataId);
}

/**
 * Runs another wasm kernel from inside a kernel (no tape, no engine
 * bookkeeping: the result belongs to the caller, who disposes or returns it).
 * `stock` kernels are the wasm backend's own, captured before this package
 * replaced some of them (see register.ts).
 */
export function runWasmKernel(kernelFunc: tf.KernelFunc, backend: WasmBackend, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): tf.TensorInfo {
  const out = kernelFunc({ inputs, backend, attrs });
  if (Array.isArray(out)) throw new Error('expected a single-output kernel');
  return out;
}
