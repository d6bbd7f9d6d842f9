/**
 * What a GPU run of @tensorflow/tfjs-node-gpu needs from the machine, checked
 * the way libtensorflow itself will look for it.
 *
 * libtensorflow 2.9.1 (the GPU build tfjs-node-gpu 4.22 downloads) does not
 * link against CUDA: when it starts it dlopen()s the driver (libcuda.so.1), the
 * CUDA 11 runtime libraries and cuDNN 8 by name, and when any of them is
 * missing it logs "Cannot dlopen some GPU libraries" and quietly registers no
 * GPU, so tfjs then computes on the CPU. To name the missing piece we dlopen
 * the same names ourselves, through `process.dlopen`: it is the same
 * dlopen(3) with the same search path (LD_LIBRARY_PATH, /etc/ld.so.cache,
 * the default directories) as libtensorflow's, so the two cannot disagree,
 * and it needs no native addon. A library is not a Node addon, so a
 * *successful* load ends in Node's "Module did not self-register" (and Node
 * closes the handle again); any other error is dlopen's own message.
 */

/** The shared libraries libtensorflow 2.9.1 dlopens, per piece (CUDA 11.2 and cuDNN 8.1 sonames). */
export const GPU_LIBRARIES: Readonly<Record<'libcuda' | 'cuda-runtime' | 'cudnn', readonly string[]>> = {
  libcuda: ['libcuda.so.1'],
  'cuda-runtime': ['libcudart.so.11.0', 'libcublas.so.11', 'libcublasLt.so.11', 'libcufft.so.10', 'libcurand.so.10', 'libcusolver.so.11', 'libcusparse.so.11'],
  cudnn: ['libcudnn.so.8'],
};

export type LibraryLoad = { readonly loaded: true } | { readonly loaded: false; readonly missing: boolean; readonly reason: string };

/**
 * dlopen(3)s `name` (a soname searched on the library path, or a path) and
 * says whether it loaded; `missing` when no such file was found at all.
 */
export function tryLoadLibrary(name: string): LibraryLoad {
  try {
    process.dlopen({ exports: {} }, name);
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    if (/did not self-register/.test(message)) return { loaded: true };
    return { loaded: false, missing: /cannot open shared object file: No such file or directory/.test(message), reason: message };
  }
  // A library that registers a Node addon would be very odd, but it did load.
  return { loaded: true };
}

/** The first library piece that does not load, with the library and dlopen's reason. */
export interface GpuLibraryProblem {
  readonly piece: 'libcuda' | 'cuda-runtime' | 'cudnn';
  readonly library: string;
  readonly missing: boolean;
  readonly reason: string;
}

/**
 * Loads the GPU libraries piece by piece (driver first: without it nothing
 * else matters) and returns the first that fails, or null when all load.
 * `libraries` and `load` are for tests (paths in a temporary directory).
 */
export function probeGpuLibraries(libraries: typeof GPU_LIBRARIES = GPU_LIBRARIES, load: (name: string) => LibraryLoad = tryLoadLibrary): GpuLibraryProblem | null {
  for (const piece of ['libcuda', 'cuda-runtime', 'cudnn'] as const) {
    for (const library of libraries[piece]) {
      const result = load(library);
      if (!result.loaded) return { piece, library, missing: result.missing, reason: result.reason };
    }
  }
  return null;
}

/** The fix for each library piece, for one-line messages. */
const LIBRARY_FIX: Readonly<Record<GpuLibraryProblem['piece'], string>> = {
  libcuda: 'install the NVIDIA driver on the node, or run the container with the NVIDIA container runtime so the driver is mounted',
  'cuda-runtime': 'the CUDA 11.2 runtime libraries are needed: install them (or use an nvidia/cuda:11.2 cudnn8 base image) and add their lib directory to LD_LIBRARY_PATH',
  cudnn: 'cuDNN 8.1 for CUDA 11.2 is needed: install it and add its lib directory to LD_LIBRARY_PATH',
};

/** "libcuda.so.1 not found on the library path (install ...)" or "... does not load: <dlerror> (...)"; without the fix when `withFix` is false. */
export function describeLibraryProblem(problem: GpuLibraryProblem, withFix = true): string {
  const what = problem.missing ? `${problem.library} not found on the library path` : `${problem.library} does not load: ${problem.reason}`;
  return withFix ? `${what} (${LIBRARY_FIX[problem.piece]})` : what;
}
