/**
 * A training run's directory: the resolved configuration (config.json), the
 * epoch history as it grows (history.jsonl, appended after every epoch so a
 * crash loses at most the epoch in flight) and the final model in tfjs Layers
 * format in `model/` (model.json, weights.bin, kfkd-spec.json), a directory
 * of its own because it is replaced atomically as a whole.
 */
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from '@kfkd/data';
import { saveParameters } from '../model-io.ts';
import type { NetSpec } from '../net-specs/index.ts';
import { HISTORY_FILE, type EpochRecord, historyLine } from './history.ts';

export const CONFIG_FILE = 'config.json';
export const MODEL_DIR = 'model';

export class RunDirectory {
  private constructor(readonly path: string) {}

  /** Creates (or reuses) `path`, writes config.json and starts an empty history. */
  static async create(path: string, config: Readonly<Record<string, unknown>>): Promise<RunDirectory> {
    await mkdir(path, { recursive: true });
    const run = new RunDirectory(path);
    await writeFileAtomically(join(path, CONFIG_FILE), JSON.stringify(config, null, 2) + '\n');
    await writeFile(join(path, HISTORY_FILE), '');
    return run;
  }

  async appendEpoch(record: EpochRecord): Promise<void> {
    await appendFile(join(this.path, HISTORY_FILE), historyLine(record));
  }

  /** Saves the model into `<run>/model`, replacing an earlier save atomically; returns its directory. */
  async saveModel(spec: NetSpec, parameters: Float32Array): Promise<string> {
    const dir = join(this.path, MODEL_DIR);
    await saveParameters(spec, parameters, dir);
    return dir;
  }
}
