/**
 * The tutorial's nets as plain, JSON-serialisable data.
 *
 * A spec says what the net looks like (input kind, hidden layers, output size
 * and the target columns it predicts) and how the tutorial trained it (epochs,
 * learning-rate and momentum schedules, flips, early stopping). Everything
 * else in this library (parameter layout, model building, initialisation,
 * dropout masks) is derived from a spec, so a spec can travel over the wire or
 * be stored next to a saved model and mean the same thing everywhere.
 *
 * This file holds the spec types; catalogue.ts the tutorial's nets,
 * specialists.ts the specialists derived from them, shapes.ts the validation
 * and per-layer shapes, by-name.ts the lookup by name.
 *
 * Conventions (the tutorial's, see reference/kfkd-tutorial.md):
 *  - conv: stride 1, no padding ('valid'), ReLU; max-pool: size = stride, floor;
 *  - hidden dense layers: ReLU; a dense layer after a conv/pool stack flattens first;
 *  - the output layer is implied: dense, linear, `outputs` units, named 'output';
 *  - dropout `rate` is the drop probability, inverted scaling (x / (1 - rate)).
 */

/** 'flat': one 9216-vector per image (dense nets); 'image': 96x96x1 (conv nets, NHWC). */
export type InputKind = 'flat' | 'image';

export interface Conv2dLayerSpec {
  readonly type: 'conv2d';
  readonly name: string;
  readonly filters: number;
  /** Square kernel side. */
  readonly kernelSize: number;
}

export interface MaxPool2dLayerSpec {
  readonly type: 'maxpool2d';
  readonly name: string;
  /** Pool side and stride. */
  readonly poolSize: number;
}

export interface DropoutLayerSpec {
  readonly type: 'dropout';
  readonly name: string;
  /** Probability of dropping a unit (Lasagne's `p`). */
  readonly rate: number;
}

export interface DenseLayerSpec {
  readonly type: 'dense';
  readonly name: string;
  readonly units: number;
}

/** A hidden layer. Conv and dense hidden layers use ReLU. */
export type LayerSpec = Conv2dLayerSpec | MaxPool2dLayerSpec | DropoutLayerSpec | DenseLayerSpec;

/** A hyperparameter's value over the epochs (see optimizer/schedule.ts for the exact semantics). */
export type ScheduleSpec =
  | { readonly kind: 'constant'; readonly value: number }
  | { readonly kind: 'linear'; readonly start: number; readonly stop: number };

export interface EarlyStoppingSpec {
  readonly patience: number;
}

export interface TrainingSpec {
  readonly maxEpochs: number;
  readonly batchSize: number;
  /** Fraction of the (shuffled) rows held out for validation, taken from the front. */
  readonly evalSize: number;
  readonly learningRate: ScheduleSpec;
  readonly momentum: ScheduleSpec;
  /** Mirror floor(batch/2) random samples of every training batch. */
  readonly flip: boolean;
  readonly earlyStopping: EarlyStoppingSpec | null;
}

/** The tutorial's published numbers for a net (for comparison, not used in training). */
export interface PublishedResult {
  readonly epochs: number;
  readonly trainLoss: number;
  readonly validLoss: number;
  readonly validRmsePx: number;
}

export interface SpecialistInfo {
  /** 1..6 for the tutorial's groups, 0 for a custom keypoint group. */
  readonly group: number;
  /** Name of the net this specialist was derived from. */
  readonly base: string;
  readonly keypoints: readonly string[];
  /** max_epochs = int(epochBudget / rows); the tutorial uses 4e6. */
  readonly epochBudget: number;
  /** Training rows the max_epochs was computed for; null until known (see withTrainingRows). */
  readonly rows: number | null;
}

export interface NetSpec {
  readonly name: string;
  readonly description: string;
  readonly input: InputKind;
  /** Hidden layers in order; the linear output layer is implied. */
  readonly layers: readonly LayerSpec[];
  /** Units of the output layer (= columns.length). */
  readonly outputs: number;
  /** Target columns, in output order (names from KEYPOINT_COLUMNS). */
  readonly columns: readonly string[];
  /** Column index pairs (into `columns`) swapped when a face is mirrored. */
  readonly flipPairs: readonly (readonly [number, number])[];
  readonly training: TrainingSpec;
  readonly published?: PublishedResult;
  readonly specialist?: SpecialistInfo;
}

/** Name of the implied output layer. */
export const OUTPUT_LAYER_NAME = 'output';
