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
 * Conventions (the tutorial's, see reference/kfkd-tutorial.md):
 *  - conv: stride 1, no padding ('valid'), ReLU; max-pool: size = stride, floor;
 *  - hidden dense layers: ReLU; a dense layer after a conv/pool stack flattens first;
 *  - the output layer is implied: dense, linear, `outputs` units, named 'output';
 *  - dropout `rate` is the drop probability, inverted scaling (x / (1 - rate)).
 */
import { FLIP_PAIRS, IMAGE_SIDE, KEYPOINT_COLUMNS, KEYPOINT_NAMES, flipPairsFor } from '@kfkd/data';
import { InvalidSpecError, UnknownNetError, UnknownSpecialistError } from './errors.ts';

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

/** A hyperparameter's value over the epochs (see schedule.ts for the exact semantics). */
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
/** Default training rows' epoch budget of the tutorial's specialists: max_epochs = int(4e6 / rows). */
export const SPECIALIST_EPOCH_BUDGET = 4e6;
/** Patience of the tutorial's early stopping (final net and specialists). */
export const TUTORIAL_PATIENCE = 200;

// ---------------------------------------------------------------------------
// Building blocks

type Unnamed<T> = T extends LayerSpec ? Omit<T, 'name'> : never;

/**
 * Names layers the way the tutorial's Lasagne nets do: weight layers are
 * numbered in order (conv1, conv2, conv3, hidden4, hidden5), a pool or dropout
 * takes the number of the weight layer before it (pool1, dropout1, ...).
 */
function nameLayers(layers: readonly Unnamed<LayerSpec>[]): LayerSpec[] {
  let n = 0;
  return layers.map((l): LayerSpec => {
    switch (l.type) {
      case 'conv2d':
        return { ...l, name: `conv${++n}` };
      case 'dense':
        return { ...l, name: `hidden${++n}` };
      case 'maxpool2d':
        return { ...l, name: `pool${n}` };
      case 'dropout':
        return { ...l, name: `dropout${n}` };
    }
  });
}

function convStack(hidden: number, dropout: readonly [number, number, number, number] | null): LayerSpec[] {
  const d = (i: number): Unnamed<LayerSpec>[] => (dropout ? [{ type: 'dropout', rate: dropout[i] }] : []);
  return nameLayers([
    { type: 'conv2d', filters: 32, kernelSize: 3 },
    { type: 'maxpool2d', poolSize: 2 },
    ...d(0),
    { type: 'conv2d', filters: 64, kernelSize: 2 },
    { type: 'maxpool2d', poolSize: 2 },
    ...d(1),
    { type: 'conv2d', filters: 128, kernelSize: 2 },
    { type: 'maxpool2d', poolSize: 2 },
    ...d(2),
    { type: 'dense', units: hidden },
    ...d(3),
    { type: 'dense', units: hidden },
  ]);
}

const constant = (value: number): ScheduleSpec => ({ kind: 'constant', value });
const linear = (start: number, stop: number): ScheduleSpec => ({ kind: 'linear', start, stop });

/** The test-size conv net: conv 4@3x3, pool, conv 8@2x2, pool, dense 16, with dropout after each pool and the dense layer if given. */
function tinyConvStack(dropout: readonly [number, number, number] | null): LayerSpec[] {
  const d = (i: number): Unnamed<LayerSpec>[] => (dropout ? [{ type: 'dropout', rate: dropout[i] }] : []);
  return nameLayers([
    { type: 'conv2d', filters: 4, kernelSize: 3 },
    { type: 'maxpool2d', poolSize: 2 },
    ...d(0),
    { type: 'conv2d', filters: 8, kernelSize: 2 },
    { type: 'maxpool2d', poolSize: 2 },
    ...d(1),
    { type: 'dense', units: 16 },
    ...d(2),
  ]);
}

const PLAIN = { learningRate: constant(0.01), momentum: constant(0.9) };
const SCHEDULED = { learningRate: linear(0.03, 0.0001), momentum: linear(0.9, 0.999) };

function training(t: Partial<TrainingSpec> & Pick<TrainingSpec, 'maxEpochs' | 'learningRate' | 'momentum'>): TrainingSpec {
  return { batchSize: 128, evalSize: 0.2, flip: false, earlyStopping: null, ...t };
}

/** The general nets predict all 30 columns and mirror with the tutorial's 12 flip pairs. */
function general(s: Omit<NetSpec, 'outputs' | 'columns' | 'flipPairs'>): NetSpec {
  return { ...s, outputs: KEYPOINT_COLUMNS.length, columns: [...KEYPOINT_COLUMNS], flipPairs: FLIP_PAIRS.map(([a, b]) => [a, b] as const) };
}

const NETS: Readonly<Record<string, () => NetSpec>> = {
  net1: () =>
    general({
      name: 'net1',
      description: 'one hidden layer: 9216 -> dense 100 -> 30',
      input: 'flat',
      layers: nameLayers([{ type: 'dense', units: 100 }]),
      training: training({ maxEpochs: 400, ...PLAIN }),
      published: { epochs: 400, trainLoss: 0.002244, validLoss: 0.003255, validRmsePx: 2.74 },
    }),
  net2: () =>
    general({
      name: 'net2',
      description: 'conv 32@3x3, pool, conv 64@2x2, pool, conv 128@2x2, pool, dense 500, dense 500, 30',
      input: 'image',
      layers: convStack(500, null),
      training: training({ maxEpochs: 1000, ...PLAIN }),
      published: { epochs: 1000, trainLoss: 0.001079, validLoss: 0.001566, validRmsePx: 1.9 },
    }),
  net3: () =>
    general({
      name: 'net3',
      description: 'net2 + flip augmentation',
      input: 'image',
      layers: convStack(500, null),
      training: training({ maxEpochs: 3000, ...PLAIN, flip: true }),
      published: { epochs: 3000, trainLoss: 0.000678, validLoss: 0.001288, validRmsePx: 1.72 },
    }),
  net4: () =>
    general({
      name: 'net4',
      description: 'net2 + learning rate 0.03 -> 0.0001 and momentum 0.9 -> 0.999 schedules',
      input: 'image',
      layers: convStack(500, null),
      training: training({ maxEpochs: 1000, ...SCHEDULED }),
      published: { epochs: 1000, trainLoss: 0.000496, validLoss: 0.001387, validRmsePx: 1.79 },
    }),
  net5: () =>
    general({
      name: 'net5',
      description: 'net4 + flip augmentation',
      input: 'image',
      layers: convStack(500, null),
      training: training({ maxEpochs: 2000, ...SCHEDULED, flip: true }),
      published: { epochs: 2000, trainLoss: 0.000373, validLoss: 0.001184, validRmsePx: 1.65 },
    }),
  net6: () =>
    general({
      name: 'net6',
      description: 'net5 + dropout 0.1/0.2/0.3 after the pools and 0.5 after the first dense layer',
      input: 'image',
      layers: convStack(500, [0.1, 0.2, 0.3, 0.5]),
      training: training({ maxEpochs: 3000, ...SCHEDULED, flip: true }),
      published: { epochs: 3000, trainLoss: 0.001306, validLoss: 0.001121, validRmsePx: 1.61 },
    }),
  net7: () =>
    general({
      name: 'net7',
      description: 'net6 with dense 1000/1000',
      input: 'image',
      layers: convStack(1000, [0.1, 0.2, 0.3, 0.5]),
      training: training({ maxEpochs: 10000, ...SCHEDULED, flip: true }),
      published: { epochs: 10000, trainLoss: 0.00076, validLoss: 0.000787, validRmsePx: 1.35 },
    }),
  final: () =>
    general({
      name: 'final',
      description: "the tutorial's final net: net7 + flips + schedules + early stopping (patience 200), max 3000 epochs",
      input: 'image',
      layers: convStack(1000, [0.1, 0.2, 0.3, 0.5]),
      training: training({ maxEpochs: 3000, ...SCHEDULED, flip: true, earlyStopping: { patience: TUTORIAL_PATIENCE } }),
    }),
  'tinyconv-test': () =>
    general({
      name: 'tinyconv-test',
      description: 'TEST-SIZE net for CI (not from the tutorial): conv 4@3x3, pool, conv 8@2x2, pool, dense 16, 30',
      input: 'image',
      layers: tinyConvStack(null),
      training: training({ maxEpochs: 50, ...PLAIN }),
    }),
  'tinyconv-dropout-flip-test': () =>
    general({
      name: 'tinyconv-dropout-flip-test',
      description: 'TEST-SIZE net for CI (not from the tutorial): tinyconv-test with dropout 0.1/0.2/0.5 and flips, every op of net6/net7',
      input: 'image',
      layers: tinyConvStack([0.1, 0.2, 0.5]),
      training: training({ maxEpochs: 50, ...PLAIN, flip: true }),
    }),
};

/** Names accepted by netSpec() besides the '<net>-specialist-<n>' forms. */
export function knownNetNames(): string[] {
  return Object.keys(NETS);
}

const SPECIALIST_NAME = /^(.+)-specialist-(\d+)$/;

/**
 * The spec of a known net ('net1'..'net7', 'final', 'tinyconv-test') or of a
 * specialist named '<net>-specialist-<1..6>' (max_epochs then still needs the
 * row count: see withTrainingRows). Returns a fresh object each call.
 * @throws UnknownNetError
 */
export function netSpec(name: string): NetSpec {
  const make = Object.hasOwn(NETS, name) ? NETS[name] : undefined;
  if (make) return make();
  const m = SPECIALIST_NAME.exec(name);
  if (m && Object.hasOwn(NETS, m[1])) {
    const group = Number(m[2]);
    if (group >= 1 && group <= SPECIALIST_GROUPS.length) return specialistSpec(NETS[m[1]](), group);
  }
  throw new UnknownNetError(name, knownNetNames());
}

// ---------------------------------------------------------------------------
// Specialists

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

// ---------------------------------------------------------------------------
// Shapes and validation

/** One layer of a spec with its input and output shapes (per sample, no batch dimension; images HWC). */
export interface LayerShape {
  readonly name: string;
  readonly type: LayerSpec['type'] | 'flatten' | 'output';
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  /** The spec layer (undefined for the implied flatten and output layers). */
  readonly layer?: LayerSpec;
}

/** Per-sample shape of the input: [9216] or [96, 96, 1]. */
export function inputShape(spec: Pick<NetSpec, 'input'>): number[] {
  return spec.input === 'flat' ? [IMAGE_SIDE * IMAGE_SIDE] : [IMAGE_SIDE, IMAGE_SIDE, 1];
}

const isPositiveInt = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x > 0;
const isFiniteNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

function checkSchedule(fail: (p: string) => never, what: string, s: unknown): void {
  const o = s as Partial<Record<string, unknown>> | null;
  if (typeof o !== 'object' || o === null) fail(`${what} schedule missing`);
  if (o.kind === 'constant' && isFiniteNumber(o.value)) return;
  if (o.kind === 'linear' && isFiniteNumber(o.start) && isFiniteNumber(o.stop)) return;
  fail(`${what} schedule must be {kind:'constant',value} or {kind:'linear',start,stop}`);
}

/**
 * Validates a spec (also one read from JSON) and returns its layers with
 * shapes, including the implied 'flatten' (before the first dense layer of a
 * conv net) and 'output' layers.
 * @throws InvalidSpecError
 */
export function inferShapes(spec: NetSpec): LayerShape[] {
  const specName = typeof spec?.name === 'string' && spec.name ? spec.name : '(unnamed)';
  const fail: (problem: string) => never = (problem) => {
    throw new InvalidSpecError(specName, problem);
  };
  if (typeof spec !== 'object' || spec === null) fail('not an object');
  if (typeof spec.name !== 'string' || spec.name === '') fail('name must be a non-empty string');
  if (spec.input !== 'flat' && spec.input !== 'image') fail(`input must be 'flat' or 'image', got ${JSON.stringify(spec.input)}`);
  if (!Array.isArray(spec.layers)) fail('layers must be an array');
  if (!isPositiveInt(spec.outputs)) fail('outputs must be a positive integer');
  if (!Array.isArray(spec.columns) || spec.columns.length !== spec.outputs || !spec.columns.every((c) => typeof c === 'string')) {
    fail(`columns must list ${spec.outputs} column names`);
  }
  if (!Array.isArray(spec.flipPairs)) fail('flipPairs must be an array');
  for (const p of spec.flipPairs) {
    if (!Array.isArray(p) || p.length !== 2 || !p.every((i) => Number.isInteger(i) && i >= 0 && i < spec.outputs)) {
      fail(`flip pair ${JSON.stringify(p)} is not a pair of column indices < ${spec.outputs}`);
    }
  }
  const t = spec.training;
  if (typeof t !== 'object' || t === null) fail('training missing');
  if (!isPositiveInt(t.maxEpochs)) fail('training.maxEpochs must be a positive integer');
  if (!isPositiveInt(t.batchSize)) fail('training.batchSize must be a positive integer');
  if (!(isFiniteNumber(t.evalSize) && t.evalSize >= 0 && t.evalSize < 1)) fail('training.evalSize must be in [0, 1)');
  checkSchedule(fail, 'learningRate', t.learningRate);
  checkSchedule(fail, 'momentum', t.momentum);
  if (typeof t.flip !== 'boolean') fail('training.flip must be a boolean');
  if (t.earlyStopping !== null && !(typeof t.earlyStopping === 'object' && Number.isInteger(t.earlyStopping.patience) && t.earlyStopping.patience >= 0)) {
    fail('training.earlyStopping must be null or {patience: integer >= 0}');
  }

  const shapes: LayerShape[] = [];
  const names = new Set<string>();
  let shape = inputShape(spec);
  for (const layer of spec.layers) {
    if (typeof layer !== 'object' || layer === null) fail('a layer is not an object');
    const name = layer.name;
    if (typeof name !== 'string' || name === '' || name.includes('/')) fail(`layer name ${JSON.stringify(name)} must be a non-empty string without '/'`);
    if (names.has(name) || name === OUTPUT_LAYER_NAME || name === 'flatten') fail(`layer name '${name}' is used twice or reserved`);
    names.add(name);
    const at = `layer '${name}'`;
    switch (layer.type) {
      case 'conv2d': {
        if (shape.length !== 3) fail(`${at}: conv2d needs an image input (not after a dense layer or a flat input)`);
        if (!isPositiveInt(layer.filters) || !isPositiveInt(layer.kernelSize)) fail(`${at}: filters and kernelSize must be positive integers`);
        const [h, w] = shape;
        if (layer.kernelSize > h || layer.kernelSize > w) fail(`${at}: kernel ${layer.kernelSize} larger than its ${h}x${w} input`);
        const out = [h - layer.kernelSize + 1, w - layer.kernelSize + 1, layer.filters];
        shapes.push({ name, type: 'conv2d', inputShape: shape, outputShape: out, layer });
        shape = out;
        break;
      }
      case 'maxpool2d': {
        if (shape.length !== 3) fail(`${at}: maxpool2d needs an image-shaped input`);
        if (!isPositiveInt(layer.poolSize)) fail(`${at}: poolSize must be a positive integer`);
        const [h, w, c] = shape;
        const out = [Math.floor(h / layer.poolSize), Math.floor(w / layer.poolSize), c];
        if (out[0] < 1 || out[1] < 1) fail(`${at}: pool ${layer.poolSize} larger than its ${h}x${w} input`);
        shapes.push({ name, type: 'maxpool2d', inputShape: shape, outputShape: out, layer });
        shape = out;
        break;
      }
      case 'dropout': {
        if (!(isFiniteNumber(layer.rate) && layer.rate >= 0 && layer.rate < 1)) fail(`${at}: dropout rate must be in [0, 1)`);
        shapes.push({ name, type: 'dropout', inputShape: shape, outputShape: shape, layer });
        break;
      }
      case 'dense': {
        if (!isPositiveInt(layer.units)) fail(`${at}: units must be a positive integer`);
        if (shape.length > 1) {
          const flat = [shape.reduce((a, b) => a * b, 1)];
          shapes.push({ name: 'flatten', type: 'flatten', inputShape: shape, outputShape: flat });
          names.add('flatten');
          shape = flat;
        }
        const out = [layer.units];
        shapes.push({ name, type: 'dense', inputShape: shape, outputShape: out, layer });
        shape = out;
        break;
      }
      default:
        fail(`layer type ${JSON.stringify((layer as { type?: unknown }).type)} is not one of conv2d, maxpool2d, dropout, dense`);
    }
  }
  if (shape.length > 1) {
    const flat = [shape.reduce((a, b) => a * b, 1)];
    shapes.push({ name: 'flatten', type: 'flatten', inputShape: shape, outputShape: flat });
    shape = flat;
  }
  shapes.push({ name: OUTPUT_LAYER_NAME, type: 'output', inputShape: shape, outputShape: [spec.outputs] });
  return shapes;
}
