/**
 * `kfkd predict`: loads a saved model, predicts a Kaggle file's keypoints and
 * writes the predictions (and optionally the submission and a face grid).
 */
import { writeFile } from 'node:fs/promises';
import {
  KEYPOINT_COLUMNS,
  LABEL_COLOR,
  PREDICTION_COLOR,
  readKaggleCsv,
  readLookupTable,
  renderFaceGrid,
  unscaleTargets,
  writePredictionsCsv,
  writeSubmission,
  type KeypointLayer,
  type PredictionTable,
} from '@kfkd/data';
import { GradientComputer, loadSavedParameters, selectBackend } from '@kfkd/model';
import type { BackendChoice } from '@kfkd/model/backend-choice';
import { ensureParentDir } from './files.ts';

/** What `kfkd predict` is given (its flags: commands/predict.ts). */
export interface PredictFlags {
  model: string;
  data: string;
  out: string;
  lookup?: string;
  submission?: string;
  grid?: string;
  backend: BackendChoice;
}

export async function runPrediction(flags: PredictFlags): Promise<void> {
  const backend = await selectBackend(flags.backend);
  console.log(backend.message);
  // Everything is read and checked before anything is written.
  const saved = await loadSavedParameters(flags.model);
  const data = await readKaggleCsv(flags.data);
  const lookup = flags.lookup ? await readLookupTable(flags.lookup) : null;

  const computer = new GradientComputer(saved.spec, { parameters: saved.parameters });
  let predictions: PredictionTable;
  try {
    const started = performance.now();
    const values = unscaleTargets(computer.predict(data.pixels));
    const seconds = (performance.now() - started) / 1000;
    const imageIds = data.format === 'test' ? data.imageIds : Int32Array.from({ length: data.rows }, (_, i) => i + 1);
    predictions = { imageIds, columns: saved.spec.columns, values };
    console.log(`predicted ${saved.spec.columns.length / 2} keypoints of ${data.rows} faces with ${saved.spec.name} in ${seconds.toFixed(2)} s`);
  } finally {
    computer.dispose();
  }

  await ensureParentDir(flags.out);
  await writePredictionsCsv(flags.out, predictions);
  console.log(`wrote ${flags.out}`);
  if (lookup && flags.submission) {
    await ensureParentDir(flags.submission);
    await writeSubmission(flags.submission, lookup, predictions);
    console.log(`wrote ${flags.submission}: ${lookup.rows} rows`);
  }
  if (flags.grid) {
    const layers: KeypointLayer[] = [{ points: predictions.values, width: predictions.columns.length, color: PREDICTION_COLOR }];
    if (data.format === 'training') layers.unshift(labelLayer(data.targets, predictions.columns));
    await ensureParentDir(flags.grid);
    await writeFile(flags.grid, renderFaceGrid({ pixels: data.pixels, layers }));
    console.log(`wrote ${flags.grid}`);
  }
}

/** The labels of the predicted columns, from a training file's 30 columns. */
function labelLayer(targets: Float32Array, columns: readonly string[]): KeypointLayer {
  const all = KEYPOINT_COLUMNS.length;
  const rows = targets.length / all;
  const picked = new Float32Array(rows * columns.length);
  const source = columns.map((c) => KEYPOINT_COLUMNS.indexOf(c));
  for (let r = 0; r < rows; r++) source.forEach((s, j) => (picked[r * columns.length + j] = targets[r * all + s]));
  return { points: picked, width: columns.length, color: LABEL_COLOR };
}
