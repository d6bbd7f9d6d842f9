import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { getModelParameters } from './build-model.ts';
import { MODEL_JSON_FILE, loadModel } from './model-io.ts';
import type { NetSpec } from './net-specs/index.ts';
import { paramLayout } from './param-layout.ts';

/**
 * The directory holding a saved model: `dir` itself, or `dir/model` when `dir`
 * is a run directory (as written by `kfkd train` and the coordinator).
 */
export async function resolveModelDir(dir: string): Promise<string> {
  try {
    await access(join(dir, MODEL_JSON_FILE));
    return dir;
  } catch {
    try {
      await access(join(dir, 'model', MODEL_JSON_FILE));
      return join(dir, 'model');
    } catch {
      return dir; // loadModel then says precisely what is missing
    }
  }
}

/** A saved model's spec and flat parameters (layout order). @throws ModelLoadError */
export async function loadSavedParameters(dir: string): Promise<{ spec: NetSpec; parameters: Float32Array; dir: string }> {
  const modelDir = await resolveModelDir(dir);
  const loaded = await loadModel(modelDir);
  try {
    return { spec: loaded.spec, parameters: getModelParameters(loaded.model, paramLayout(loaded.spec)), dir: modelDir };
  } finally {
    loaded.model.dispose();
  }
}
