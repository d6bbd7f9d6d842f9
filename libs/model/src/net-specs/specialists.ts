/**
 * The tutorial's specialists: a base net's hidden layers with an output layer
 * for one keypoint group, early stopping (patience 200) and max_epochs =
 * int(4e6 / rows) once the training rows are known.
 */
import { KEYPOINT_NAMES, flipPairsFor } from '@kfkd/data';
import { InvalidSpecError, UnknownSpecialistError } from '../errors.ts';
import { TUTORIAL_PATIENCE } from './catalogue.ts';
import { inferShapes } from './shapes.ts';
import type { NetSpec } from './types.ts';

/** Default training rows' epoch budget of the tutorial's specialists: max_epochs = int(4e6 / rows). */
export const SPECIALIST_EPOCH_BUDGET = 4e6;

export interface SpecialistGroup {
  /** 1..6, as in the tutorial's table. */
  readonly index: number;
  readonly keypoints: readonly string[];
  /** Flip pairs in group-local column indices (columns are `<kp>_x, <kp>_y` per keypoint). */
  readonly flipPairs: readonly (readonly [number, number])[];
}

/** The tutorial's six specialists (SPECIALIST_SETTINGS), in its order. */
export const SPECIALIST_GROUPS: readonly SpecialistGroup[] = [
  { index: 1, keypoints: ['left_eye_center', 'right_eye_center'], flipPairs: [[0, 2], [1, 3]] },
  { index: 2, keypoints: ['nose_tip'], flipPairs: [] },
  { index: 3, keypoints: ['mouth_left_corner', 'mouth_right_corner', 'mouth_center_top_lip'], flipPairs: [[0, 2], [1, 3]] },
  { index: 4, keypoints: ['mouth_center_bottom_lip'], flipPairs: [] },
  {
    index: 5,
    keypoints: ['left_eye_inner_corner', 'right_eye_inner_corner', 'left_eye_outer_corner', 'right_eye_outer_corner'],
    flipPairs: [[0, 2], [1, 3], [4, 6], [5, 7]],
  },
  {
    index: 6,
    keypoints: ['left_eyebrow_inner_end', 'right_eyebrow_inner_end', 'left_eyebrow_outer_end', 'right_eyebrow_outer_end'],
    flipPairs: [[0, 2], [1, 3], [4, 6], [5, 7]],
  },
];

/** The tutorial's specialist epoch count: int(4e6 / rows). */
export function specialistMaxEpochs(rows: number, budget: number = SPECIALIST_EPOCH_BUDGET): number {
  if (!(Number.isInteger(rows) && rows > 0)) throw new RangeError(`rows must be a positive integer, got ${rows}`);
  return Math.max(1, Math.trunc(budget / rows));
}

export interface SpecialistOptions {
  /** Training rows (rows where the whole group is present); sets max_epochs = int(4e6 / rows). */
  readonly rows?: number;
  /** Flip pairs in group-local indices (default: the tutorial's pairs restricted to these columns). */
  readonly flipPairs?: readonly (readonly [number, number])[];
  readonly name?: string;
}

/**
 * A specialist for an arbitrary keypoint group: the base net's hidden layers,
 * an output layer sized for the group, the base's training settings with
 * early stopping (patience 200) and, once `rows` is known, max_epochs =
 * int(4e6 / rows) (the schedules then run over that many epochs).
 */
export function specialistSpecForKeypoints(base: NetSpec, keypoints: readonly string[], options: SpecialistOptions = {}, group = 0): NetSpec {
  if (keypoints.length === 0) throw new InvalidSpecError(options.name ?? `${base.name}-specialist`, 'a specialist needs at least one keypoint');
  for (const k of keypoints) {
    if (!(KEYPOINT_NAMES as readonly string[]).includes(k)) throw new InvalidSpecError(options.name ?? `${base.name}-specialist`, `unknown keypoint '${k}'`);
  }
  const columns = keypoints.flatMap((k) => [`${k}_x`, `${k}_y`]);
  const flipPairs = options.flipPairs ?? flipPairsFor(columns);
  const rows = options.rows ?? null;
  const spec: NetSpec = {
    name: options.name ?? (group > 0 ? `${base.name}-specialist-${group}` : `${base.name}-specialist-${keypoints.join('+')}`),
    description: `specialist for ${keypoints.join(', ')} derived from ${base.name}`,
    input: base.input,
    layers: base.layers.map((l) => ({ ...l })),
    outputs: columns.length,
    columns,
    flipPairs: flipPairs.map(([a, b]) => [a, b] as const),
    training: {
      ...base.training,
      maxEpochs: rows === null ? base.training.maxEpochs : specialistMaxEpochs(rows),
      earlyStopping: { patience: TUTORIAL_PATIENCE },
    },
    specialist: { group, base: base.name, keypoints: [...keypoints], epochBudget: SPECIALIST_EPOCH_BUDGET, rows },
  };
  inferShapes(spec);
  return spec;
}

/** Specialist `group` (1..6) of the tutorial's table, derived from `base` (normally netSpec('final')). */
export function specialistSpec(base: NetSpec, group: number, options: Omit<SpecialistOptions, 'flipPairs'> = {}): NetSpec {
  const g = SPECIALIST_GROUPS.find((s) => s.index === group);
  if (!g) throw new UnknownSpecialistError(group);
  return specialistSpecForKeypoints(base, g.keypoints, { ...options, flipPairs: g.flipPairs }, group);
}

/**
 * Fixes a specialist's max_epochs once its training row count is known
 * (int(epochBudget / rows)); other specs are returned unchanged.
 */
export function withTrainingRows(spec: NetSpec, rows: number): NetSpec {
  if (!spec.specialist) return spec;
  return {
    ...spec,
    training: { ...spec.training, maxEpochs: specialistMaxEpochs(rows, spec.specialist.epochBudget) },
    specialist: { ...spec.specialist, rows },
  };
}
