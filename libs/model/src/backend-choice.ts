/**
 * The backends a user can ask for. Kept free of tfjs imports (and exported as
 * '@kfkd/model/backend-choice') so a command line can list them in --help
 * without loading TensorFlow.js.
 */
export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'tensorflow', 'wasm', 'cpu'];
