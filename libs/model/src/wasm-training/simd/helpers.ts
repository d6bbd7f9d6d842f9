/**
 * Helper threads for the SIMD loops, so that the training kernels written
 * with them use the other cores as XNNPACK does.
 *
 * The threaded wasm build's heap is a shared memory. A helper is a Node
 * worker thread with its own instance of the loops module on that memory; a
 * kernel describes its work as independent call lists (loop index + i32
 * arguments), posts them to the started helpers, and it and the helpers take
 * lists off a shared counter until none is left; then it waits
 * (Atomics.wait) for the helpers to finish their last list. Only helpers
 * that have started get work (one not ready yet leaves it all to the
 * kernel's thread), so nothing depends on the event loop of the thread that
 * runs the kernels. With the single-threaded build
 * (no shared memory) there are no helpers and everything runs in place.
 */
import type { LoopFunction, SimdLoops } from './loops.ts';

/** Ints per call: the loop's index, then up to 15 arguments. */
const CALL_WIDTH = 16;

/** A growable list of loop calls. */
export class CallList {
  private data = new Int32Array(CALL_WIDTH * 64);
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(loop: number, ...args: number[]): void {
    if (args.length >= CALL_WIDTH) throw new RangeError(`a call takes at most ${CALL_WIDTH - 1} arguments`);
    if ((this.count + 1) * CALL_WIDTH > this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    const o = this.count * CALL_WIDTH;
    this.data[o] = loop;
    this.data.set(args, o + 1);
    this.data.fill(0, o + 1 + args.length, o + CALL_WIDTH);
    this.count++;
  }

  /** The calls as ints (CALL_WIDTH per call). */
  ints(): Int32Array {
    return this.data.subarray(0, this.count * CALL_WIDTH);
  }
}

/** Runs the calls on this thread. */
export function runCalls(loops: readonly LoopFunction[], calls: Int32Array): void {
  for (let o = 0; o < calls.length; o += CALL_WIDTH) {
    const c = calls;
    loops[c[o]](c[o + 1], c[o + 2], c[o + 3], c[o + 4], c[o + 5], c[o + 6], c[o + 7], c[o + 8], c[o + 9], c[o + 10], c[o + 11], c[o + 12], c[o + 13], c[o + 14], c[o + 15]);
  }
}

/**
 * The worker's source (plain JavaScript: it runs outside the TypeScript
 * loader). It takes lists off the shared counter until none is left, like
 * the kernel's thread, then says it is done.
 */
const HELPER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { module, memory, names, signal } = workerData;
const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
const loops = names.map((n) => exports[n]);
const s = new Int32Array(signal);
parentPort.on('message', ({ calls, bounds, counter, generation }) => {
  const c = new Int32Array(calls);
  const next = new Int32Array(counter);
  try {
    for (let i = Atomics.add(next, 0, 1); i < bounds.length - 1; i = Atomics.add(next, 0, 1)) {
      for (let o = bounds[i]; o < bounds[i + 1]; o += ${CALL_WIDTH}) {
        loops[c[o]](c[o + 1], c[o + 2], c[o + 3], c[o + 4], c[o + 5], c[o + 6], c[o + 7], c[o + 8], c[o + 9], c[o + 10], c[o + 11], c[o + 12], c[o + 13], c[o + 14], c[o + 15]);
      }
    }
  } catch {
    Atomics.store(s, 1, 1);
  }
  Atomics.store(s, 0, generation);
  Atomics.notify(s, 0);
});
Atomics.store(s, 2, 1);
`;

interface Helper {
  readonly worker: { postMessage(message: unknown): void; terminate(): Promise<number> };
  /** [0] generation of the last finished list, [1] 1 after a failed call, [2] 1 once started. */
  readonly signal: Int32Array;
  generation: number;
}

interface Pool {
  readonly memory: object;
  readonly helpers: Helper[];
}

let pool: Pool | null = null;

/** How long a kernel waits for a helper before it gives up (a helper that hangs is a bug). */
const WAIT_MS = 120_000;

/**
 * Starts `count` helper threads for `loops` (replacing those of an earlier
 * memory); none when the memory is not shared.
 */
export async function startHelpers(loops: SimdLoops, count: number, names: readonly string[]): Promise<void> {
  if (pool?.memory === loops.memory) return;
  await stopHelpers();
  const shared = typeof SharedArrayBuffer !== 'undefined' && loops.memory.buffer instanceof SharedArrayBuffer;
  pool = { memory: loops.memory, helpers: [] };
  if (!shared || count < 1) return;
  const { Worker } = await import('node:worker_threads');
  for (let i = 0; i < count; i++) {
    const signal = new SharedArrayBuffer(12);
    const worker = new Worker(HELPER_SOURCE, { eval: true, workerData: { module: loops.module, memory: loops.memory, names, signal } });
    // Idle helpers must not keep the process alive.
    worker.unref();
    pool.helpers.push({ worker, signal: new Int32Array(signal), generation: 0 });
  }
}

/** Stops the helper threads (a later startHelpers starts new ones). */
export async function stopHelpers(): Promise<void> {
  const helpers = pool?.helpers ?? [];
  pool = null;
  await Promise.all(helpers.map((h) => h.worker.terminate()));
}

/** Threads a kernel can split its work over now: this one and the started helpers of `loops`' memory. */
export function threadsFor(loops: SimdLoops): number {
  if (pool?.memory !== loops.memory) return 1;
  return 1 + pool.helpers.filter((h) => Atomics.load(h.signal, 2) === 1).length;
}

/**
 * How many lists to cut `units` of independent work into: one without
 * helpers, else a few per thread, so that a thread slowed down (by another
 * process on its core) leaves its share to the others.
 */
export function partsFor(loops: SimdLoops, units: number): number {
  const threads = threadsFor(loops);
  return Math.max(1, Math.min(units, threads === 1 ? 1 : threads * PARTS_PER_THREAD));
}

const PARTS_PER_THREAD = 4;

/**
 * Runs the lists, each on one thread, spread over this thread and the started
 * helpers (each takes the next list off a shared counter), and returns when
 * all are done. The lists must be independent (disjoint outputs and scratch).
 */
export function runParallel(loops: SimdLoops, lists: readonly CallList[]): void {
  const ready = pool?.memory === loops.memory ? pool.helpers.filter((h) => Atomics.load(h.signal, 2) === 1) : [];
  if (ready.length === 0 || lists.length < 2) {
    for (const list of lists) runCalls(loops.byIndex, list.ints());
    return;
  }
  const bounds = [0];
  for (const list of lists) bounds.push(bounds[bounds.length - 1] + list.ints().length);
  const calls = new Int32Array(new SharedArrayBuffer(Math.max(4, bounds[bounds.length - 1] * 4)));
  lists.forEach((list, i) => calls.set(list.ints(), bounds[i]));
  const next = new Int32Array(new SharedArrayBuffer(4));
  const posted = ready.slice(0, lists.length - 1);
  for (const h of posted) {
    h.generation++;
    h.worker.postMessage({ calls: calls.buffer, bounds, counter: next.buffer, generation: h.generation });
  }
  for (let i = Atomics.add(next, 0, 1); i < lists.length; i = Atomics.add(next, 0, 1)) runCalls(loops.byIndex, calls.subarray(bounds[i], bounds[i + 1]));
  for (const h of posted) {
    const deadline = performance.now() + WAIT_MS;
    while (Atomics.load(h.signal, 0) !== h.generation) {
      if (performance.now() > deadline) throw new Error('a SIMD helper thread did not finish its work');
      Atomics.wait(h.signal, 0, h.generation - 1, 1000);
    }
    if (Atomics.exchange(h.signal, 1, 0) !== 0) throw new Error('a SIMD helper thread failed');
  }
}
