/**
 * Choosing the tfjs compute backend.
 *
 *  - 'tensorflow-gpu': @tensorflow/tfjs-node-gpu on a visible CUDA device, or
 *    a GpuUnavailableError naming the missing piece (the package, the driver's
 *    libcuda, the CUDA runtime, cuDNN, or the device; see gpu-probe.ts). It
 *    never computes on the CPU: a GPU worker without its GPU must fail.
 *  - 'tensorflow': libtensorflow through @tensorflow/tfjs-node-gpu (CUDA) or
 *    @tensorflow/tfjs-node (CPU), GPU or CPU, saying which (and, for the GPU
 *    build on the CPU, why). Both are optional dependencies whose install
 *    downloads libtensorflow; where that failed they are absent and loading
 *    them fails cleanly here. Both register the tfjs backend name 'tensorflow'.
 *  - 'wasm': @tensorflow/tfjs-backend-wasm, its .wasm files located in node_modules,
 *    with the training kernels of ./wasm-training (the stock wasm backend
 *    cannot train conv nets: no Conv2DBackpropFilter, slow transposed matMul),
 *    multi-threaded in Node (KFKD_WASM_THREADS, default all cores; see
 *    wasm-training/threads.ts).
 *  - 'cpu': the pure-JavaScript backend, always available.
 *  - 'auto': tfjs-node-gpu, then tfjs-node, then wasm (~100x faster than cpu
 *    at training), then cpu; says what it fell back from.
 *
 * Node built-ins are imported lazily so this module can be bundled for a browser.
 */
import * as tf from './tf.ts';
import { BACKEND_CHOICES, type BackendChoice } from './backend-choice.ts';
import { type BackendAttempt, BackendUnavailableError, GpuUnavailableError } from './errors.ts';
import { type GpuLibraryProblem, describeLibraryProblem, probeGpuLibraries } from './gpu-probe.ts';
import { registerWasmTrainingKernels } from './wasm-training/register.ts';
import { startWasmHelpers } from './wasm-training/wasm-backend.ts';
import { wasmThreadsWanted, withWasmThreads } from './wasm-training/threads.ts';

export { BACKEND_CHOICES, type BackendChoice };

export interface BackendInfo {
  /** The tfjs backend now active: 'tensorflow', 'wasm' or 'cpu'. */
  readonly name: string;
  /** Human-readable device, e.g. 'GPU 0: NVIDIA A100-SXM4-40GB' or 'CPU (pure JavaScript, 1 thread)'. */
  readonly device: string;
  /** npm package that provides the backend. */
  readonly package: string;
  /** Candidates tried before this one that could not be used (auto only). */
  readonly fellBackFrom?: string[];
  /** Why each of those failed. */
  readonly attempts?: BackendAttempt[];
  /** One line for logs: what is used, on what, and what was tried first. */
  readonly message: string;
}

export interface SelectBackendOptions {
  /**
   * Loads an optional backend package (default: resolve it from this module,
   * then import it). Tests inject failures here. Throw a
   * `ModuleNotInstalledError` for "absent", anything else for "broken".
   */
  readonly loadPackage?: (pkg: string) => Promise<void>;
  /** Whether a package is installed, i.e. resolves from this module (default); for tests. */
  readonly packageInstalled?: (pkg: string) => Promise<boolean>;
  /** Checks the GPU libraries (default: dlopen them, gpu-probe.ts); tests inject temporary directories. */
  readonly probeGpuLibraries?: () => GpuLibraryProblem | null;
  /**
   * Threads of the wasm backend, overriding KFKD_WASM_THREADS (default: that
   * variable, else the cores). Only the first wasm start of a process can
   * set it.
   */
  readonly wasmThreads?: number;
}

/** Thrown by a package loader when the package is not installed. */
export class ModuleNotInstalledError extends Error {
  override readonly name = 'ModuleNotInstalledError';
  constructor(readonly pkg: string) {
    super(`${pkg} is not installed`);
  }
}

const NODE_GPU = '@tensorflow/tfjs-node-gpu';
const NODE_CPU = '@tensorflow/tfjs-node';
const WASM = '@tensorflow/tfjs-backend-wasm';
const CPU = '@tensorflow/tfjs-backend-cpu';

export const TENSORFLOW_INSTALL_HINT =
  `Install ${NODE_CPU}@${tf.version_core} (CPU) or ${NODE_GPU}@${tf.version_core} (NVIDIA GPU; CUDA 11.2 + cuDNN 8.1) ` +
  `next to @tensorflow/tfjs, e.g. \`npm install ${NODE_CPU}@${tf.version_core}\`. Its install script downloads libtensorflow ` +
  `from storage.googleapis.com, so the machine must reach it (or use a mirror via TFJS_NODE_CDN_STORAGE). ` +
  `Without it, use --backend auto (falls back to the JavaScript backends), wasm or cpu.`;

/** Which native package provided the 'tensorflow' backend in this process, if any. */
let nativePackage: string | null = null;
let wasmPrepared = false;

async function packageResolves(pkg: string): Promise<boolean> {
  const { createRequire } = await import('node:module');
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

async function defaultLoadPackage(pkg: string): Promise<void> {
  if (!(await packageResolves(pkg))) throw new ModuleNotInstalledError(pkg);
  await import(/* @vite-ignore */ pkg);
}

function attemptOf(candidate: string, err: unknown): BackendAttempt {
  if (err instanceof ModuleNotInstalledError) return { candidate, outcome: 'not-installed', detail: 'not installed' };
  const msg = err instanceof Error ? err.message : String(err);
  return { candidate, outcome: 'failed', detail: msg.split('\n')[0].slice(0, 300) };
}

/** Loads one native package and switches to its 'tensorflow' backend. */
async function tryNative(pkg: string, load: (pkg: string) => Promise<void>): Promise<void> {
  if (nativePackage === null) {
    await load(pkg);
    if (!tf.findBackendFactory('tensorflow')) throw new Error(`${pkg} loaded but registered no 'tensorflow' backend`);
    nativePackage = pkg;
  } else if (nativePackage !== pkg) {
    // The other flavour already owns the 'tensorflow' backend name in this process.
    throw new Error(`the 'tensorflow' backend of this process comes from ${nativePackage}`);
  }
  if (!(await tf.setBackend('tensorflow'))) throw new Error(`${pkg}: the 'tensorflow' backend failed to initialise`);
  await tf.ready();
}

async function gpuName(): Promise<string | null> {
  try {
    const { execFile } = await import('node:child_process');
    const out = await new Promise<string>((resolve, reject) => {
      execFile('nvidia-smi', ['--query-gpu=index,name', '--format=csv,noheader'], { timeout: 5000 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
    });
    const gpus = out
      .trim()
      .split('\n')
      .map((l) => l.split(',').map((s) => s.trim()))
      .filter((p) => p.length >= 2);
    const visible = process.env.CUDA_VISIBLE_DEVICES?.split(',')[0]?.trim();
    const g = (visible ? gpus.find((p) => p[0] === visible) : undefined) ?? gpus[0];
    return g ? `GPU ${g[0]}: ${g.slice(1).join(',')}` : null;
  } catch {
    return null;
  }
}

async function cpuCount(): Promise<number> {
  try {
    const os = await import('node:os');
    return os.availableParallelism?.() ?? os.cpus().length;
  } catch {
    return 1;
  }
}

/**
 * Whether the active 'tensorflow' backend computes on a GPU: tfjs-node's
 * backend picks libtensorflow's first GPU device when there is one, else the
 * CPU, and says which in `isUsingGpuDevice` (nodejs_kernel_backend.ts).
 */
function usingGpuDevice(): boolean {
  return (tf.backend() as { isUsingGpuDevice?: unknown }).isUsingGpuDevice === true;
}

/** Why libtensorflow registered no GPU: the first library that does not load, else no visible device. */
function whyNoGpu(probe: () => GpuLibraryProblem | null, withFix: boolean): { piece: GpuUnavailableError['piece']; detail: string } {
  const problem = probe();
  if (problem) return { piece: problem.piece, detail: describeLibraryProblem(problem, withFix) };
  const visible = process.env.CUDA_VISIBLE_DEVICES;
  const detail = `no CUDA device visible${visible === undefined ? '' : ` (CUDA_VISIBLE_DEVICES=${visible})`}`;
  return { piece: 'device', detail: withFix ? `${detail} (check CUDA_VISIBLE_DEVICES, the pod's nvidia.com/gpu limit, and nvidia-smi on the node)` : detail };
}

async function nativeInfo(probe: () => GpuLibraryProblem | null): Promise<Pick<BackendInfo, 'name' | 'device' | 'package'>> {
  const pkg = nativePackage ?? NODE_CPU;
  if (pkg === NODE_GPU) {
    if (usingGpuDevice()) return { name: 'tensorflow', package: pkg, device: (await gpuName()) ?? 'GPU (CUDA)' };
    // Without a usable GPU, libtensorflow's GPU build runs on the CPU: say so, and why.
    return { name: 'tensorflow', package: pkg, device: `CPU (libtensorflow GPU build without a GPU: ${whyNoGpu(probe, false).detail}; ${await cpuCount()} cores)` };
  }
  return { name: 'tensorflow', package: pkg, device: `CPU (libtensorflow, ${await cpuCount()} cores)` };
}

/**
 * tfjs-node-gpu on a GPU, or a GpuUnavailableError naming the missing piece.
 * The libraries are checked before libtensorflow loads: it would only log
 * their absence and carry on on the CPU.
 */
async function useGpu(options: SelectBackendOptions): Promise<Pick<BackendInfo, 'name' | 'device' | 'package'>> {
  const install = `npm install --no-save ${NODE_GPU}@${tf.version_core}`;
  const probe = options.probeGpuLibraries ?? (() => probeGpuLibraries());
  if (nativePackage !== NODE_GPU) {
    if (!(await (options.packageInstalled ?? packageResolves)(NODE_GPU))) throw new GpuUnavailableError('package', `${NODE_GPU} is not installed (${install})`);
    const problem = probe();
    if (problem) throw new GpuUnavailableError(problem.piece, describeLibraryProblem(problem));
  }
  const previous = tf.getBackend();
  try {
    await tryNative(NODE_GPU, options.loadPackage ?? defaultLoadPackage);
  } catch (err) {
    if (err instanceof ModuleNotInstalledError) throw new GpuUnavailableError('package', `${NODE_GPU} is not installed (${install})`);
    const { detail } = attemptOf(NODE_GPU, err);
    throw new GpuUnavailableError('package', `${NODE_GPU} is installed but does not load: ${detail} (reinstall it where its install script can download libtensorflow: ${install})`);
  }
  if (!usingGpuDevice()) {
    if (previous) await tf.setBackend(previous);
    const { piece, detail } = whyNoGpu(probe, true);
    throw new GpuUnavailableError(piece, detail);
  }
  return { name: 'tensorflow', package: NODE_GPU, device: (await gpuName()) ?? 'GPU (CUDA)' };
}

/** The cpu backend prints an "install the node backend" banner on first use; we report that ourselves. */
function quietCpuBanner(): void {
  const env = tf.env();
  const prod = env.getBool('PROD');
  env.set('PROD', true);
  try {
    tf.tidy(() => tf.scalar(0));
  } finally {
    env.set('PROD', prod);
  }
}

async function useCpu(): Promise<Pick<BackendInfo, 'name' | 'device' | 'package'>> {
  if (!(await tf.setBackend('cpu'))) throw new Error("the 'cpu' backend failed to initialise");
  await tf.ready();
  quietCpuBanner();
  return { name: 'cpu', package: CPU, device: 'CPU (pure JavaScript, 1 thread)' };
}

/** `load`: an injected package loader (tests); by default the package is imported directly, which bundlers understand. */
async function useWasm(load?: (pkg: string) => Promise<void>, threadsGiven?: number): Promise<Pick<BackendInfo, 'name' | 'device' | 'package'>> {
  if (load) await load(WASM);
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  registerWasmTrainingKernels();
  const init = () => tf.setBackend('wasm');
  let ok: boolean;
  if (!wasmPrepared && typeof process !== 'undefined' && process.versions?.node) {
    // In Node, point the emscripten loader at the .wasm files next to the package's main file.
    const { createRequire } = await import('node:module');
    const path = await import('node:path');
    const main = createRequire(import.meta.url).resolve(WASM);
    wasm.setWasmPaths(path.dirname(main) + '/');
    wasmPrepared = true;
    const threads = threadsGiven ?? (await wasmThreadsWanted());
    try {
      ok = threads > 1 ? await withWasmThreads(wasm, threads, main, init) : await init();
    } catch {
      // The threaded build could not start here: the single-threaded one still can.
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      wasm.setThreadsCount(1);
      ok = await init();
    }
  } else {
    wasmPrepared = true;
    ok = await init();
  }
  if (!ok) throw new Error("the 'wasm' backend failed to initialise (are the .wasm files present?)");
  await tf.ready();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = wasm.getThreadsCount();
  // The SIMD loops of the training kernels take the other cores too (one helper thread per extra XNNPACK thread).
  if (threads > 1) {
    try {
      await startWasmHelpers(tf.backend(), threads - 1);
    } catch {
      // No worker threads here (a browser bundle): the loops then run on this thread only.
    }
  }
  return { name: 'wasm', package: WASM, device: `CPU (WebAssembly${simd ? ' SIMD' : ''}, ${threads} thread${threads === 1 ? '' : 's'}, training kernels)` };
}

function describe(info: Pick<BackendInfo, 'name' | 'device' | 'package'>, attempts: BackendAttempt[]): BackendInfo {
  let message = `using tfjs backend '${info.name}' (${info.package}) on ${info.device}`;
  if (attempts.length > 0) {
    message += `; fell back from ${attempts.map((a) => `${a.candidate} (${a.outcome === 'not-installed' ? 'not installed' : `failed: ${a.detail}`})`).join(', ')}`;
  }
  return attempts.length > 0 ? { ...info, fellBackFrom: attempts.map((a) => a.candidate), attempts, message } : { ...info, message };
}

/**
 * Makes `choice` the active tfjs backend and says what it runs on.
 * @throws GpuUnavailableError when 'tensorflow-gpu' has no GPU to run on.
 * @throws BackendUnavailableError when another explicit choice cannot be used.
 */
export async function selectBackend(choice: BackendChoice = 'auto', options: SelectBackendOptions = {}): Promise<BackendInfo> {
  const load = options.loadPackage ?? defaultLoadPackage;
  const probe = options.probeGpuLibraries ?? (() => probeGpuLibraries());
  switch (choice) {
    case 'tensorflow-gpu':
      return describe(await useGpu(options), []);
    case 'auto':
    case 'tensorflow': {
      const attempts: BackendAttempt[] = [];
      for (const pkg of [NODE_GPU, NODE_CPU]) {
        try {
          await tryNative(pkg, load);
          return describe(await nativeInfo(probe), attempts);
        } catch (err) {
          attempts.push(attemptOf(pkg, err));
        }
      }
      if (choice === 'tensorflow') throw new BackendUnavailableError('tensorflow', attempts, TENSORFLOW_INSTALL_HINT);
      try {
        return describe(await useWasm(options.loadPackage, options.wasmThreads), attempts);
      } catch (err) {
        attempts.push(attemptOf(WASM, err));
      }
      try {
        return describe(await useCpu(), attempts);
      } catch (err) {
        attempts.push(attemptOf('cpu', err));
        throw new BackendUnavailableError('auto', attempts, 'No tfjs backend could be initialised.');
      }
    }
    case 'wasm':
      try {
        return describe(await useWasm(options.loadPackage, options.wasmThreads), []);
      } catch (err) {
        throw new BackendUnavailableError('wasm', [attemptOf(WASM, err)], `Check that ${WASM} is installed with its dist/*.wasm files.`);
      }
    case 'cpu':
      try {
        return describe(await useCpu(), []);
      } catch (err) {
        throw new BackendUnavailableError('cpu', [attemptOf(CPU, err)], 'The pure-JavaScript backend should always work; is @tensorflow/tfjs installed?');
      }
    default:
      throw new RangeError(`backend must be one of ${BACKEND_CHOICES.join(', ')}, got ${JSON.stringify(choice)}`);
  }
}
