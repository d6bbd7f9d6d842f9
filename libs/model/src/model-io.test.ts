import * as tf from './tf.ts';
import { mkdtemp, readFile, readdir, rm, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from './backend.ts';
import { buildModel, getModelParameters } from './build-model.ts';
import { ModelLoadError, ModelSaveError } from './errors.ts';
import { initialParameters } from './init.ts';
import {
  MODEL_JSON_FILE,
  SPEC_FILE,
  WEIGHTS_FILE,
  directoryIOHandler,
  loadModel,
  readSavedSpec,
  saveModel,
  saveParameters,
} from './model-io.ts';
import { netSpec, specialistSpec } from './net-specs/index.ts';
import { paramLayout } from './param-layout.ts';

let root: string;

beforeAll(async () => {
  await selectBackend('cpu');
  root = await mkdtemp(path.join(tmpdir(), 'kfkd-model-io-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const sameArray = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.from(a).every((x, i) => x === b[i]);

describe('model I/O', () => {
  it('saves the tfjs Layers format plus the spec, and loads it back', async () => {
    const spec = netSpec('tinyconv-test');
    const params = initialParameters(spec, 7);
    const model = buildModel(spec, { parameters: params });
    const dir = path.join(root, 'tiny');
    const saved = await saveModel(model, spec, dir);
    expect(saved.parameterCount).toBe(paramLayout(spec).size);
    expect((await readdir(dir)).sort()).toEqual([SPEC_FILE, MODEL_JSON_FILE, WEIGHTS_FILE].sort());
    expect((await readdir(root)).filter((f) => f.startsWith('.'))).toEqual([]); // no temp dirs left

    const json = JSON.parse(await readFile(path.join(dir, MODEL_JSON_FILE), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.modelTopology.class_name).toBe('Sequential');
    expect(json.weightsManifest).toEqual([{ paths: [WEIGHTS_FILE], weights: expect.any(Array) }]);
    expect(json.weightsManifest[0].weights.map((w: { name: string }) => w.name)).toEqual(paramLayout(spec).entries.map((e) => e.name));
    expect(json.userDefinedMetadata.kfkd.columns).toEqual(spec.columns);
    expect((await stat(path.join(dir, WEIGHTS_FILE))).size).toBe(4 * paramLayout(spec).size);

    const loaded = await loadModel(dir);
    try {
      expect(loaded.spec).toEqual(spec);
      expect(loaded.columns).toEqual(spec.columns);
      expect(sameArray(getModelParameters(loaded.model, paramLayout(spec)), params)).toBe(true);
      const x = tf.randomUniform([2, 96, 96, 1]);
      const a = model.predict(x) as tf.Tensor;
      const b = loaded.model.predict(x) as tf.Tensor;
      expect(sameArray(a.dataSync(), b.dataSync())).toBe(true);
      tf.dispose([x, a, b]);
    } finally {
      loaded.model.dispose();
      model.dispose();
    }
  });

  it('loads with stock tf.loadLayersModel, also over HTTP as a browser would', async () => {
    const spec = netSpec('net1');
    const dir = path.join(root, 'net1');
    const params = initialParameters(spec, 8);
    await saveParameters(spec, params, dir);
    const layout = paramLayout(spec);

    const direct = await tf.loadLayersModel(directoryIOHandler(dir));
    expect(sameArray(getModelParameters(direct, layout), params)).toBe(true);
    direct.dispose();

    const requested: string[] = [];
    const fetchFunc = async (url: string | URL | Request) => {
      const u = new URL(String(url));
      requested.push(u.pathname);
      const body = await readFile(path.join(dir, path.basename(u.pathname)));
      return new Response(body, { status: 200 });
    };
    const http = await tf.loadLayersModel(tf.io.http('http://models.example/net1/model.json', { fetchFunc }));
    expect(requested).toEqual(['/net1/model.json', '/net1/weights.bin']);
    expect(sameArray(getModelParameters(http, layout), params)).toBe(true);
    expect(http.getUserDefinedMetadata()).toEqual({ kfkd: { net: 'net1', columns: spec.columns } });
    http.dispose();
  });

  it('replaces an earlier save atomically', async () => {
    const spec = specialistSpec(netSpec('tinyconv-test'), 1);
    const dir = path.join(root, 'again');
    await saveParameters(spec, initialParameters(spec, 1), dir);
    const second = initialParameters(spec, 2);
    await saveParameters(spec, second, dir);
    const loaded = await loadModel(dir);
    expect(sameArray(getModelParameters(loaded.model, paramLayout(spec)), second)).toBe(true);
    expect(loaded.columns).toEqual(['left_eye_center_x', 'left_eye_center_y', 'right_eye_center_x', 'right_eye_center_y']);
    loaded.model.dispose();
    expect((await readdir(root)).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('refuses to replace a directory that holds other files', async () => {
    const dir = path.join(root, 'precious');
    await saveParameters(netSpec('tinyconv-test'), initialParameters(netSpec('tinyconv-test'), 1), dir);
    await writeFile(path.join(dir, 'notes.txt'), 'mine');
    await expect(saveParameters(netSpec('tinyconv-test'), initialParameters(netSpec('tinyconv-test'), 2), dir)).rejects.toThrow(ModelSaveError);
    expect(await readFile(path.join(dir, 'notes.txt'), 'utf8')).toBe('mine');
  });

  describe('load errors', () => {
    const spec = netSpec('tinyconv-test');
    const fresh = async (name: string) => {
      const dir = path.join(root, name);
      await saveParameters(spec, initialParameters(spec, 3), dir);
      return dir;
    };
    const problem = async (p: Promise<unknown>) => {
      const e = await p.then(
        () => null,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(ModelLoadError);
      return (e as ModelLoadError).problem;
    };

    it('missing directory', async () => {
      expect(await problem(loadModel(path.join(root, 'nope')))).toBe('missing-directory');
      expect(await problem(tf.loadLayersModel(directoryIOHandler(path.join(root, 'nope'))))).toBe('missing-directory');
    });

    it('missing or corrupt model.json', async () => {
      const dir = await fresh('no-json');
      await unlink(path.join(dir, MODEL_JSON_FILE));
      expect(await problem(loadModel(dir))).toBe('missing-model-json');
      await writeFile(path.join(dir, MODEL_JSON_FILE), '{"modelTopology": {');
      expect(await problem(loadModel(dir))).toBe('corrupt-model-json');
      await writeFile(path.join(dir, MODEL_JSON_FILE), '{"weightsManifest": []}');
      expect(await problem(loadModel(dir))).toBe('corrupt-model-json');
    });

    it('missing or wrong-sized weights', async () => {
      const dir = await fresh('bad-weights');
      const w = path.join(dir, WEIGHTS_FILE);
      await truncate(w, 100);
      const e = (await loadModel(dir).catch((err: unknown) => err)) as ModelLoadError;
      expect(e.problem).toBe('weights-size-mismatch');
      expect(e.message).toMatch(/100 bytes but the manifest describes \d+/);
      await unlink(w);
      expect(await problem(loadModel(dir))).toBe('missing-weights');
    });

    it('missing, corrupt or mismatched spec', async () => {
      const dir = await fresh('bad-spec');
      const s = path.join(dir, SPEC_FILE);
      const good = await readFile(s, 'utf8');
      await writeFile(s, 'nope');
      expect(await problem(loadModel(dir))).toBe('corrupt-spec');
      await writeFile(s, JSON.stringify({ ...JSON.parse(good), spec: { ...spec, input: 'flat' } }));
      expect(await problem(readSavedSpec(dir))).toBe('corrupt-spec');
      await writeFile(s, JSON.stringify({ ...JSON.parse(good), spec: specialistSpec(spec, 2) }));
      expect(await problem(loadModel(dir))).toBe('spec-mismatch');
      await unlink(s);
      expect(await problem(loadModel(dir))).toBe('missing-spec');
    });
  });
});
