/**
 * The backends a user can ask for. Kept free of tfjs imports (and exported as
 * '@kfkd/model/backend-choice') so a command line can list them in --help
 * without loading TensorFlow.js.
 */
export type BackendChoice = 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

/** What each choice means, for --help. */
export const BACKEND_HELP =
  'compute backend: auto (tfjs-node-gpu, tfjs-node, wasm, cpu: the first that works, saying what it fell back from), ' +
  'tensorflow-gpu (tfjs-node-gpu on a visible GPU, else exit code 4 naming the missing piece: package, libcuda, CUDA runtime, cuDNN or device), ' +
  'tensorflow (native libtensorflow, GPU or CPU, says which), wasm, cpu';
