/**
 * Which model supplies which keypoint column when one prediction combines
 * several saved models: the tutorial's six specialists, or a general net plus
 * specialists that win on their own columns. Pure: it sees the models'
 * column lists, never their weights.
 *
 * The rule:
 * - One model and no fallback: its own columns, in its own order (a single
 *   model predicts exactly as it always has, whatever columns it has).
 * - Otherwise the output is the 30 Kaggle columns in Kaggle order. Each
 *   column comes from the one model that predicts it; a column predicted by
 *   two models is refused (there is no telling which is better), naming the
 *   columns and the models. A fallback model (the general net) supplies only
 *   the columns no other model predicts: the other models win on theirs.
 *   A column predicted by no model at all is refused, naming the columns.
 *
 * The fallback is named by the caller rather than guessed from its width (a
 * model of all 30 columns), so that the precedence is written where the
 * models are listed, and two general nets given by mistake are refused
 * instead of one silently shadowing the other.
 */
import { KEYPOINT_COLUMNS } from '@kfkd/data';
import { InvalidSpecError, OverlappingModelsError, UncoveredColumnsError } from './errors.ts';

/** A model as the merge sees it: how the user named it and the columns it predicts, in output order. */
export interface ModelColumns {
  /** What error messages call the model, e.g. the directory it was given as. */
  readonly label: string;
  readonly columns: readonly string[];
}

export interface MergeRequest {
  /** The models whose columns must not overlap (at least one). */
  readonly models: readonly ModelColumns[];
  /** A model that supplies only the columns none of `models` predicts. */
  readonly fallback?: ModelColumns;
}

/** Where one output column comes from. */
export interface ColumnSource {
  /** Index into MergePlan.models. */
  readonly model: number;
  /** The column's index among that model's outputs. */
  readonly output: number;
}

export interface MergePlan {
  /** The request's models, then its fallback if any. */
  readonly models: readonly ModelColumns[];
  /** Whether the last of `models` is the fallback. */
  readonly hasFallback: boolean;
  /** The output columns, in output order. */
  readonly columns: readonly string[];
  /** One per output column. */
  readonly sources: readonly ColumnSource[];
  /** The output columns each model supplies, per model (a fallback overridden everywhere supplies none). */
  readonly supplied: readonly (readonly string[])[];
}

/**
 * Decides which model supplies each output column (see the file comment).
 * @throws OverlappingModelsError when two models (neither the fallback) predict a column
 * @throws UncoveredColumnsError when several models leave one of the 30 columns unpredicted
 * @throws InvalidSpecError when a model of several predicts a column that is not a Kaggle keypoint column
 */
export function planMerge(request: MergeRequest): MergePlan {
  const { models, fallback } = request;
  if (models.length === 0) throw new RangeError('planMerge needs at least one model');
  const all = fallback ? [...models, fallback] : [...models];
  if (all.length === 1) {
    const only = models[0];
    return {
      models: all,
      hasFallback: false,
      columns: [...only.columns],
      sources: only.columns.map((_, output) => ({ model: 0, output })),
      supplied: [[...only.columns]],
    };
  }
  for (const model of all) {
    const unknown = model.columns.find((c) => !KEYPOINT_COLUMNS.includes(c));
    if (unknown !== undefined) throw new InvalidSpecError(model.label, `it predicts '${unknown}', which is not one of the 30 Kaggle keypoint columns`);
  }

  const claimants = new Map<string, number[]>();
  models.forEach((model, m) => {
    for (const column of new Set(model.columns)) claimants.set(column, [...(claimants.get(column) ?? []), m]);
  });
  const overlaps = overlapsByModels(claimants, models);
  if (overlaps.length > 0) throw new OverlappingModelsError(overlaps, fallback !== undefined);

  const sources: ColumnSource[] = [];
  const uncovered: string[] = [];
  const supplied: string[][] = all.map(() => []);
  for (const column of KEYPOINT_COLUMNS) {
    const claimant = claimants.get(column)?.[0];
    const model = claimant ?? (fallback?.columns.includes(column) ? models.length : undefined);
    if (model === undefined) {
      uncovered.push(column);
      continue;
    }
    sources.push({ model, output: all[model].columns.indexOf(column) });
    supplied[model].push(column);
  }
  if (uncovered.length > 0) {
    throw new UncoveredColumnsError(uncovered, `the ${all.length} models together must predict all ${KEYPOINT_COLUMNS.length} keypoint columns`);
  }
  return { models: all, hasFallback: fallback !== undefined, columns: [...KEYPOINT_COLUMNS], sources, supplied };
}

/** Columns claimed by more than one model, grouped by the set of models that claim them, in Kaggle order. */
function overlapsByModels(claimants: ReadonlyMap<string, readonly number[]>, models: readonly ModelColumns[]): { models: string[]; columns: string[] }[] {
  const groups = new Map<string, { models: string[]; columns: string[] }>();
  for (const column of KEYPOINT_COLUMNS) {
    const who = claimants.get(column) ?? [];
    if (who.length < 2) continue;
    const key = who.join(',');
    const group = groups.get(key) ?? { models: who.map((m) => models[m].label), columns: [] };
    group.columns.push(column);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/**
 * Refuses a plan that lacks columns an output needs, e.g. the FeatureNames
 * a lookup table asks for (`neededBy` says who needs them).
 * @throws UncoveredColumnsError
 */
export function assertCovers(plan: MergePlan, required: Iterable<string>, neededBy: string): void {
  const have = new Set(plan.columns);
  const wanted = new Set(required);
  // Kaggle order first, then anything else in the order it came.
  const missing = [...KEYPOINT_COLUMNS.filter((c) => wanted.has(c)), ...[...wanted].filter((c) => !KEYPOINT_COLUMNS.includes(c))].filter((c) => !have.has(c));
  if (missing.length > 0) throw new UncoveredColumnsError(missing, `${neededBy} asks for them`);
}

/**
 * The merged outputs, row-major (rows x plan.columns.length), from each
 * model's own outputs (rows x its columns). A model that supplies nothing may
 * be given as null (it need not have predicted at all).
 */
export function mergeOutputs(plan: MergePlan, outputs: readonly (Float32Array | null)[], rows: number): Float32Array {
  if (outputs.length !== plan.models.length) throw new RangeError(`expected the outputs of ${plan.models.length} models, got ${outputs.length}`);
  outputs.forEach((values, m) => {
    const width = plan.models[m].columns.length;
    if (values === null ? plan.supplied[m].length > 0 : values.length !== rows * width) {
      throw new RangeError(`the outputs of ${plan.models[m].label} should hold ${rows} rows x ${width} columns`);
    }
  });
  const width = plan.columns.length;
  const merged = new Float32Array(rows * width);
  plan.sources.forEach(({ model, output }, c) => {
    const values = outputs[model] as Float32Array;
    const from = plan.models[model].columns.length;
    for (let r = 0; r < rows; r++) merged[r * width + c] = values[r * from + output];
  });
  return merged;
}
