/**
 * `kfkd predict`: loads one or several saved models, predicts a Kaggle
 * file's keypoints and writes the predictions (and optionally the submission
 * and a face grid). Several models are merged column by column, by the rule
 * of @kfkd/model's prediction-merge: the tutorial's specialists side by
 * side, or a general net (`--fallback`) that they override on their columns.
 */
import { writeFile } from 'node:fs/promises';
import {
  KEYPOINT_COLUMNS,
  LABEL_COLOR,
  PREDICTION_COLOR,
  formatSubmission,
  readKaggleCsv,
  readLookupTable,
  renderFaceGrid,
  unscaleTargets,
  writeFileAtomically,
  writePredictionsCsv,
  type KeypointLayer,
  type PredictionTable,
} from '@kfkd/data';
import { GradientComputer, type MergePlan, assertCovers, loadSavedParameters, mergeOutputs, planMerge, readSavedSpec, resolveModelDir, selectBackend } from '@kfkd/model';
import type { BackendChoice } from '@kfkd/model/backend-choice';
import { ensureParentDir } from './files.ts';

/** What `kfkd predict` is given (its flags: commands/predict.ts). */
export interface PredictFlags {
  /** One model, or several whose columns do not overlap. */
  model: string[];
  /** A model that supplies only the columns none of `model` predicts. */
  fallback?: string;
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
  // Everything is read and checked before anything is written, and what
  // needs only the models' columns before any weights are read.
  const dirs = flags.fallback === undefined ? flags.model : [...flags.model, flags.fallback];
  const specs = await Promise.all(dirs.map(async (dir) => readSavedSpec(await resolveModelDir(dir))));
  const described = dirs.map((dir, i) => ({ label: dir, columns: specs[i].columns }));
  const plan = planMerge({ models: described.slice(0, flags.model.length), fallback: flags.fallback === undefined ? undefined : described.at(-1) });
  const lookup = flags.lookup ? await readLookupTable(flags.lookup) : null;
  if (lookup) assertCovers(plan, lookup.featureNames, lookup.file);
  const data = await readKaggleCsv(flags.data);
  if (plan.models.length > 1) printPlan(plan, specs.map((s) => s.spec.name));

  const outputs: (Float32Array | null)[] = [];
  for (const [m, dir] of dirs.entries()) {
    const saved = await loadSavedParameters(dir);
    if (plan.supplied[m].length === 0) {
      outputs.push(null); // a fallback the others override everywhere: loaded to check it, not run
      continue;
    }
    const computer = new GradientComputer(saved.spec, { parameters: saved.parameters });
    try {
      const started = performance.now();
      outputs.push(computer.predict(data.pixels));
      const seconds = (performance.now() - started) / 1000;
      console.log(`predicted ${saved.spec.columns.length / 2} keypoints of ${data.rows} faces with ${saved.spec.name} in ${seconds.toFixed(2)} s`);
    } finally {
      computer.dispose();
    }
  }
  const imageIds = data.format === 'test' ? data.imageIds : Int32Array.from({ length: data.rows }, (_, i) => i + 1);
  const predictions: PredictionTable = { imageIds, columns: plan.columns, values: unscaleTargets(mergeOutputs(plan, outputs, data.rows)) };
  const submission = lookup ? formatSubmission(lookup, predictions) : null;

  await ensureParentDir(flags.out);
  await writePredictionsCsv(flags.out, predictions);
  console.log(`wrote ${flags.out}`);
  if (lookup && submission !== null && flags.submission) {
    await ensureParentDir(flags.submission);
    await writeFileAtomically(flags.submission, submission);
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

/** One line per model: the keypoints (or single columns) it supplies to the merged output. */
function printPlan(plan: MergePlan, netNames: readonly string[]): void {
  console.log(`merging ${plan.models.length} models into the ${plan.columns.length} keypoint columns:`);
  plan.models.forEach((model, m) => {
    const role = plan.hasFallback && m === plan.models.length - 1 ? ', fallback' : '';
    const supplied = plan.supplied[m];
    const what = supplied.length === 0 ? 'nothing (the other models predict every column it does)' : keypointsOf(supplied).join(', ');
    console.log(`  ${model.label} (${netNames[m]}${role}): ${what}`);
  });
}

/** Columns as keypoint names where both _x and _y are there, in the columns' order. */
function keypointsOf(columns: readonly string[]): string[] {
  const have = new Set(columns);
  const named: string[] = [];
  for (const column of columns) {
    const keypoint = column.replace(/_[xy]$/, '');
    if (have.has(`${keypoint}_x`) && have.has(`${keypoint}_y`)) {
      if (!named.includes(keypoint)) named.push(keypoint);
    } else named.push(column);
  }
  return named;
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
