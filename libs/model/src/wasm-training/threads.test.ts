/**
 * The pthread worker script of the multi-threaded wasm backend is never taken
 * from a path another local user can predict: a script planted where
 * earlier versions looked (a fixed name in the temporary folder) is not run,
 * and the script is written into a fresh 0700 directory of this user's that
 * is gone once the threads have started.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as tf from '../tf.ts';
import { withWasmThreads } from './threads.ts';

const WASM = '@tensorflow/tfjs-backend-wasm';
let sharedTmp: string;
const savedTmpdir = process.env.TMPDIR;

beforeAll(() => {
  // A temporary folder of the test's own stands in for the shared /tmp.
  sharedTmp = mkdtempSync(join(tmpdir(), 'kfkd-threads-test-'));
  process.env.TMPDIR = sharedTmp;
});

afterAll(() => {
  if (savedTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmpdir;
  rmSync(sharedTmp, { recursive: true, force: true });
});

/** Where kfkd up to this change wrote, and ran if present, the worker script: <tmp>/kfkd-tfjs-wasm-pthread-<sha256 of the script>.cjs. */
function oldPredictablePath(main: string): { path: string; worker: string } {
  const outDir = join(dirname(dirname(main)), 'wasm-out');
  const { wasmWorkerContents } = createRequire(import.meta.url)(join(outDir, 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string };
  const branch =
    'if(typeof e.data.urlOrBlob=="string"){importScripts(e.data.urlOrBlob)}else{var objectUrl=URL.createObjectURL(e.data.urlOrBlob);importScripts(objectUrl);URL.revokeObjectURL(objectUrl)}';
  const worker = wasmWorkerContents.replace(branch, `importScripts(${JSON.stringify(join(outDir, 'tfjs-backend-wasm-threaded-simd.js'))});`).replace(/\n/g, '\\n');
  return { path: join(sharedTmp, `kfkd-tfjs-wasm-pthread-${createHash('sha256').update(worker).digest('hex').slice(0, 16)}.cjs`), worker };
}

it('starts the threads from a private 0700 directory, not from a script planted at the old fixed path', async () => {
  const main = createRequire(import.meta.url).resolve(WASM);
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(dirname(main) + '/');
  const planted = oldPredictablePath(main);
  const marker = join(sharedTmp, 'planted-script-ran');
  // The planted script leaves a mark, then behaves like the real one (so the old code would have started fine and the mark would be there).
  writeFileSync(planted.path, `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\n${planted.worker}`);

  let scriptDir = '';
  let dirStat: { mode: number; uid: number; isDirectory: boolean } | null = null;
  const ok = await withWasmThreads(wasm, 2, main, () => {
    // What emscripten gets as the worker script's "URL" while the backend initialises.
    scriptDir = dirname(URL.createObjectURL(new Blob([])));
    const s = statSync(scriptDir);
    dirStat = { mode: s.mode & 0o777, uid: s.uid, isDirectory: s.isDirectory() };
    return tf.setBackend('wasm');
  });

  expect(ok).toBe(true);
  expect(wasm.getThreadsCount()).toBe(2);
  expect(existsSync(marker)).toBe(false);
  expect(scriptDir.startsWith(join(sharedTmp, 'kfkd-wasm-pthread-'))).toBe(true);
  expect(dirStat).toEqual({ mode: 0o700, uid: process.getuid!(), isDirectory: true });
  // Gone once the pool has loaded it; the threads keep working.
  expect(existsSync(scriptDir)).toBe(false);
  const product = tf.tidy(() => tf.matMul(tf.ones([64, 64]), tf.ones([64, 64])).dataSync()[0]);
  expect(product).toBe(64);
});
