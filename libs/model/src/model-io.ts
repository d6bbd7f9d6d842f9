/**
 * Saving and loading models as a directory in the standard tfjs Layers format:
 *
 *   <dir>/model.json       {modelTopology, weightsManifest: [{paths: ['weights.bin'], weights}], ...}
 *   <dir>/weights.bin      the weights, little-endian, in manifest order
 *   <dir>/kfkd-spec.json   the net spec and its target columns (ours)
 *
 * model.json + weights.bin is what tfjs-node's file:// handler writes and what
 * `tf.loadLayersModel('https://host/dir/model.json')` reads in a browser.
 * A save writes a temporary sibling directory and renames it into place, so a
 * reader sees the old model or the new one, never half of one.
 *
 * Node built-ins are imported lazily so this module can be bundled for a browser.
 */
import * as tf from './tf.ts';
import { buildModel, assertModelMatchesLayout } from './build-model.ts';
import { ModelLoadError, ModelSaveError, SizeMismatchError } from './errors.ts';
import { type NetSpec, inferShapes } from './net-specs/index.ts';
import { layoutSignature, paramLayout } from './param-layout.ts';

export const MODEL_JSON_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';
export const SPEC_FILE = 'kfkd-spec.json';

/** Contents of kfkd-spec.json. */
export interface SavedSpecFile {
  readonly format: 'kfkd-spec';
  readonly version: 1;
  readonly spec: NetSpec;
  /** Target columns in output order (= spec.columns). */
  readonly columns: readonly string[];
  readonly parameterCount: number;
  readonly layoutSignature: string;
  readonly savedAt: string;
}

export interface DirectoryHandlerOptions {
  /** More files written into the directory in the same atomic save (name -> contents). */
  readonly extraFiles?: Readonly<Record<string, string | Uint8Array>>;
  /** Merged into model.json's userDefinedMetadata. */
  readonly metadata?: Readonly<Record<string, unknown>>;
}

export interface LoadedModel {
  readonly model: tf.LayersModel;
  readonly spec: NetSpec;
  readonly columns: readonly string[];
  readonly specFile: SavedSpecFile;
}

type Fs = typeof import('node:fs/promises');
type Path = typeof import('node:path');

async function nodeModules(): Promise<{ fs: Fs; path: Path }> {
  const [fs, path] = await Promise.all([import('node:fs/promises'), import('node:path')]);
  return { fs, path };
}

const errCode = (e: unknown): string | undefined => (typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined);

/**
 * A tfjs IOHandler that saves to / loads from a directory (see the file
 * comment). Use with `model.save(handler)` and `tf.loadLayersModel(handler)`.
 */
export function directoryIOHandler(dir: string, options: DirectoryHandlerOptions = {}): tf.io.IOHandler {
  return {
    save: (artifacts) => saveArtifacts(dir, artifacts, options),
    load: () => loadArtifacts(dir),
  };
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, complex64: 8 };

async function saveArtifacts(dir: string, artifacts: tf.io.ModelArtifacts, options: DirectoryHandlerOptions): Promise<tf.io.SaveResult> {
  if (artifacts.modelTopology instanceof ArrayBuffer) throw new ModelSaveError(dir, 'binary (GraphDef) topologies are not supported');
  const weightData = artifacts.weightData ? tf.io.CompositeArrayBuffer.join(artifacts.weightData) : new ArrayBuffer(0);
  const modelJSON: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology ?? {},
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
  };
  if (artifacts.trainingConfig != null) modelJSON.trainingConfig = artifacts.trainingConfig;
  if (artifacts.signature != null) modelJSON.signature = artifacts.signature;
  const meta = { ...(artifacts.userDefinedMetadata ?? {}), ...(options.metadata ?? {}) };
  if (Object.keys(meta).length > 0) modelJSON.userDefinedMetadata = meta as Record<string, object>;
  const topologyText = JSON.stringify(modelJSON.modelTopology);
  await writeDirectoryAtomically(dir, {
    [MODEL_JSON_FILE]: JSON.stringify(modelJSON),
    [WEIGHTS_FILE]: new Uint8Array(weightData),
    ...(options.extraFiles ?? {}),
  });
  return {
    modelArtifactsInfo: {
      dateSaved: new Date(),
      modelTopologyType: 'JSON',
      modelTopologyBytes: topologyText.length,
      weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
      weightDataBytes: weightData.byteLength,
    },
  };
}

/**
 * Writes `files` as the complete contents of `dir`: into a temporary sibling
 * directory first (each file and the directory fsynced), then renamed into
 * place, and the parent directory fsynced. An existing `dir` is replaced
 * only if it holds nothing but files this module writes.
 */
async function writeDirectoryAtomically(dir: string, files: Readonly<Record<string, string | Uint8Array>>): Promise<void> {
  const { fs, path } = await nodeModules();
  // The shared durable write (fsync per file, directory fsync), loaded lazily like the Node built-ins.
  const { syncDirectory, writeFileDurably } = await import('@kfkd/data');
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  const base = path.basename(target);
  for (const name of Object.keys(files)) {
    if (name !== path.basename(name) || name.startsWith('.')) throw new ModelSaveError(dir, `bad file name '${name}'`);
  }
  await fs.mkdir(parent, { recursive: true });
  let existing: string[] | null = null;
  try {
    const st = await fs.stat(target);
    if (!st.isDirectory()) throw new ModelSaveError(dir, 'it exists and is not a directory');
    existing = await fs.readdir(target);
  } catch (e) {
    if (e instanceof ModelSaveError) throw e;
    if (errCode(e) !== 'ENOENT') throw new ModelSaveError(dir, e instanceof Error ? e.message : String(e));
  }
  if (existing) {
    const ours = new Set([MODEL_JSON_FILE, WEIGHTS_FILE, SPEC_FILE, ...Object.keys(files)]);
    const foreign = existing.filter((f) => !ours.has(f));
    if (foreign.length > 0) {
      throw new ModelSaveError(dir, `it holds files that are not part of a saved model (${foreign.slice(0, 5).join(', ')}); refusing to replace it`);
    }
  }
  const tmp = await fs.mkdtemp(path.join(parent, `.${base}.tmp-`));
  try {
    for (const [name, contents] of Object.entries(files)) await writeFileDurably(path.join(tmp, name), contents);
    await syncDirectory(tmp);
    if (existing) {
      const old = path.join(parent, `.${base}.old-${process.pid}-${Date.now()}`);
      await fs.rename(target, old);
      try {
        await fs.rename(tmp, target);
      } catch (e) {
        await fs.rename(old, target);
        throw e;
      }
      await fs.rm(old, { recursive: true, force: true });
    } else {
      await fs.rename(tmp, target);
    }
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw e instanceof ModelSaveError ? e : new ModelSaveError(dir, e instanceof Error ? e.message : String(e));
  }
  await syncDirectory(parent);
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

async function loadArtifacts(dir: string): Promise<tf.io.ModelArtifacts> {
  const { fs, path } = await nodeModules();
  const target = path.resolve(dir);
  try {
    if (!(await fs.stat(target)).isDirectory()) throw new ModelLoadError('missing-directory', dir, 'not a directory');
  } catch (e) {
    if (e instanceof ModelLoadError) throw e;
    throw new ModelLoadError('missing-directory', dir, 'the directory does not exist');
  }
  const jsonPath = path.join(target, MODEL_JSON_FILE);
  let text: string;
  try {
    text = await fs.readFile(jsonPath, 'utf8');
  } catch {
    throw new ModelLoadError('missing-model-json', jsonPath, `${MODEL_JSON_FILE} is missing or unreadable`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ModelLoadError('corrupt-model-json', jsonPath, `not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const corrupt = (why: string): never => {
    throw new ModelLoadError('corrupt-model-json', jsonPath, why);
  };
  if (!isObject(parsed)) return corrupt('not a JSON object');
  if (!isObject(parsed.modelTopology)) corrupt('modelTopology is missing');
  const manifest = parsed.weightsManifest;
  if (!Array.isArray(manifest)) return corrupt('weightsManifest is missing');
  let expected = 0;
  const specs: tf.io.WeightsManifestEntry[] = [];
  const files: string[] = [];
  for (const group of manifest) {
    if (!isObject(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) return corrupt('a weightsManifest group lacks paths or weights');
    for (const p of group.paths) {
      if (typeof p !== 'string' || p === '' || path.isAbsolute(p) || p.split(/[\\/]/).includes('..')) corrupt(`bad weights path ${JSON.stringify(p)}`);
      files.push(p as string);
    }
    for (const w of group.weights) {
      if (!isObject(w) || typeof w.name !== 'string' || !Array.isArray(w.shape) || !w.shape.every((d) => Number.isInteger(d) && d >= 0)) {
        return corrupt(`bad weight entry ${JSON.stringify(w).slice(0, 100)}`);
      }
      const q = w.quantization;
      const dtype = isObject(q) && typeof q.dtype === 'string' ? q.dtype : w.dtype;
      const bytes = typeof dtype === 'string' ? BYTES[dtype] : undefined;
      if (bytes === undefined) return corrupt(`weight ${w.name} has unsupported dtype ${JSON.stringify(dtype)}`);
      expected += bytes * (w.shape as number[]).reduce((a, b) => a * b, 1);
      specs.push(w as unknown as tf.io.WeightsManifestEntry);
    }
  }
  const chunks: Uint8Array[] = [];
  for (const f of files) {
    const p = path.join(target, f);
    try {
      chunks.push(await fs.readFile(p));
    } catch {
      throw new ModelLoadError('missing-weights', p, `weights file ${f} is missing or unreadable`);
    }
  }
  const actual = chunks.reduce((a, c) => a + c.byteLength, 0);
  if (actual !== expected) {
    throw new ModelLoadError('weights-size-mismatch', path.join(target, files[0] ?? WEIGHTS_FILE), `weights are ${actual} bytes but the manifest describes ${expected}`);
  }
  const data = new Uint8Array(actual);
  let at = 0;
  for (const c of chunks) {
    data.set(c, at);
    at += c.byteLength;
  }
  return tf.io.getModelArtifactsForJSON(parsed as unknown as tf.io.ModelJSON, async () => [specs, data.buffer]);
}

/**
 * Saves a model, its spec and columns to `dir` atomically.
 * @throws ModelSaveError, SizeMismatchError (model does not match the spec)
 */
export async function saveModel(model: tf.LayersModel, spec: NetSpec, dir: string): Promise<SavedSpecFile> {
  const layout = paramLayout(spec);
  assertModelMatchesLayout(model, layout);
  const specFile: SavedSpecFile = {
    format: 'kfkd-spec',
    version: 1,
    spec,
    columns: [...spec.columns],
    parameterCount: layout.size,
    layoutSignature: layoutSignature(layout),
    savedAt: new Date().toISOString(),
  };
  await model.save(
    directoryIOHandler(dir, {
      extraFiles: { [SPEC_FILE]: JSON.stringify(specFile, null, 2) + '\n' },
      metadata: { kfkd: { net: spec.name, columns: [...spec.columns] } },
    }),
  );
  return specFile;
}

/** Builds a model from flat parameters on the current backend, saves it to `dir`, and frees it. */
export async function saveParameters(spec: NetSpec, parameters: Float32Array, dir: string): Promise<SavedSpecFile> {
  const model = buildModel(spec, { parameters });
  try {
    return await saveModel(model, spec, dir);
  } finally {
    model.dispose();
  }
}

/** Reads and validates `<dir>/kfkd-spec.json`. @throws ModelLoadError */
export async function readSavedSpec(dir: string): Promise<SavedSpecFile> {
  const { fs, path } = await nodeModules();
  const p = path.join(path.resolve(dir), SPEC_FILE);
  let text: string;
  try {
    text = await fs.readFile(p, 'utf8');
  } catch {
    try {
      await fs.stat(dir);
    } catch {
      throw new ModelLoadError('missing-directory', dir, 'the directory does not exist');
    }
    throw new ModelLoadError('missing-spec', p, `${SPEC_FILE} is missing or unreadable`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ModelLoadError('corrupt-spec', p, `not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!isObject(parsed) || parsed.format !== 'kfkd-spec' || parsed.version !== 1 || !isObject(parsed.spec)) {
    throw new ModelLoadError('corrupt-spec', p, `not a version 1 ${SPEC_FILE}`);
  }
  const file = parsed as unknown as SavedSpecFile;
  try {
    inferShapes(file.spec);
  } catch (e) {
    throw new ModelLoadError('corrupt-spec', p, e instanceof Error ? e.message : String(e));
  }
  return file;
}

/**
 * Loads a model saved by saveModel (with stock tf.loadLayersModel) plus its
 * spec, and checks that they agree.
 * @throws ModelLoadError
 */
export async function loadModel(dir: string): Promise<LoadedModel> {
  const specFile = await readSavedSpec(dir);
  const model = await tf.loadLayersModel(directoryIOHandler(dir));
  try {
    assertModelMatchesLayout(model, paramLayout(specFile.spec));
  } catch (e) {
    model.dispose();
    if (e instanceof SizeMismatchError) throw new ModelLoadError('spec-mismatch', dir, `${SPEC_FILE} does not describe the saved model: ${e.message}`);
    throw e;
  }
  return { model, spec: specFile.spec, columns: specFile.columns, specFile };
}
