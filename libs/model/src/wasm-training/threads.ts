/**
 * Multi-threaded XNNPACK for the wasm backend in Node.
 *
 * tfjs-backend-wasm 4.22.0 ships a threaded SIMD build but never uses it in
 * Node (WASM_HAS_MULTITHREAD_SUPPORT is false there, tensorflow/tfjs#3830):
 * its pthread workers are started from Blob URLs, which Node's Worker cannot
 * load, and its thread count is half the logical cores (it assumes 2
 * hyper-threads per core). Node 20 has everything else (SharedArrayBuffer,
 * shared wasm memory, worker_threads), so, for the first initialisation only:
 *  - the emscripten worker script is written to a file, changed to load the
 *    threaded module's own script from node_modules instead of a Blob URL.
 *    The file goes into a directory of our own, made by mkdtemp (0700,
 *    checked) and removed once the pool has loaded it: a predictable path in
 *    the shared /tmp would let another local user plant the code our
 *    threads run;
 *  - URL.createObjectURL hands out that file while the backend initialises;
 *  - os.cpus() reports twice the cores for that moment, so the pool gets
 *    `threads` threads.
 * The convolutions and matrix products then run on all cores (~1.8x on 2
 * idle cores). Everything is restored afterwards; on any failure the caller
 * falls back to the single-threaded build.
 */
import * as tf from '../tf.ts';

/** The parts of @tensorflow/tfjs-backend-wasm this needs. */
export interface WasmPackage {
  setThreadsCount(n: number): void;
}

const WORKER_BRANCH =
  'if(typeof e.data.urlOrBlob=="string"){importScripts(e.data.urlOrBlob)}else{var objectUrl=URL.createObjectURL(e.data.urlOrBlob);importScripts(objectUrl);URL.revokeObjectURL(objectUrl)}';

/**
 * Sets up `threads` XNNPACK threads for the next (first) wasm initialisation
 * and returns `init` wrapped so the temporary patches hold while it runs.
 * @throws when the package layout is not the expected one (the caller then stays single-threaded)
 */
export async function withWasmThreads<T>(wasm: WasmPackage, threads: number, packageMain: string, init: () => Promise<T>): Promise<T> {
  const [{ createRequire }, path, fs, { default: os }] = await Promise.all([import('node:module'), import('node:path'), import('node:fs'), import('node:os')]);
  const outDir = path.join(path.dirname(path.dirname(packageMain)), 'wasm-out');
  const script = path.join(outDir, 'tfjs-backend-wasm-threaded-simd.js');
  const { wasmWorkerContents } = createRequire(import.meta.url)(path.join(outDir, 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string };
  if (!wasmWorkerContents.includes(WORKER_BRANCH) || !fs.existsSync(script)) throw new Error('unexpected tfjs-backend-wasm layout: no threaded worker script');
  // The contents hold "\n" escapes that became real newlines inside string literals; tfjs escapes them back the same way.
  const worker = wasmWorkerContents.replace(WORKER_BRANCH, `importScripts(${JSON.stringify(script)});`).replace(/\n/g, '\\n');
  const dir = privateDirectory(fs, path.join(os.tmpdir(), 'kfkd-wasm-pthread-'));
  const file = path.join(dir, 'pthread-worker.cjs');

  wasm.setThreadsCount(threads);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  const createObjectURL = URL.createObjectURL;
  const cpus = os.cpus;
  // The module object itself (what emscripten's require('os') returns), not the read-only ESM namespace.
  const nodeOs = os as { cpus: typeof os.cpus };
  URL.createObjectURL = () => file;
  nodeOs.cpus = () => {
    const real = cpus();
    return Array.from({ length: 2 * threads }, (_, i) => real[i % real.length]);
  };
  try {
    // 'wx': never through a file (or link) that is already there.
    fs.writeFileSync(file, worker, { flag: 'wx', mode: 0o600 });
    // Resolves once every pool thread has loaded the script (emscripten waits for them), so it can go.
    return await init();
  } finally {
    URL.createObjectURL = createObjectURL;
    nodeOs.cpus = cpus;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A fresh directory only this user can use: mkdtemp creates it atomically
 * with a random name and mode 0700; checked anyway (owner, mode, a real
 * directory) in case the temporary folder is something unusual.
 */
function privateDirectory(fs: typeof import('node:fs'), prefix: string): string {
  const dir = fs.mkdtempSync(prefix);
  const stat = fs.lstatSync(dir);
  const uid = process.getuid?.();
  if (!stat.isDirectory() || (stat.mode & 0o777) !== 0o700 || (uid !== undefined && stat.uid !== uid)) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`${dir} is not a private directory (mode ${(stat.mode & 0o777).toString(8)}, owner ${stat.uid})`);
  }
  return dir;
}

/** XNNPACK threads to ask for: KFKD_WASM_THREADS if set (1 = single-threaded build), else the available cores (tfjs caps it at 8). */
export async function wasmThreadsWanted(): Promise<number> {
  const fromEnv = Number(process.env.KFKD_WASM_THREADS);
  if (Number.isInteger(fromEnv) && fromEnv >= 1) return fromEnv;
  const os = await import('node:os');
  return Math.min(8, os.availableParallelism?.() ?? os.cpus().length);
}
