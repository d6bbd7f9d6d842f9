/**
 * The catalogue: the tutorial's nets net1..net7 and its final net (plus two
 * test-size nets for CI), with the layers, training settings and published
 * results of reference/kfkd-tutorial.md. netSpec() (by-name.ts) looks them up.
 */
import { FLIP_PAIRS, KEYPOINT_COLUMNS } from '@kfkd/data';
import type { LayerSpec, NetSpec, ScheduleSpec, TrainingSpec } from './types.ts';

/** Patience of the tutorial's early stopping (final net and specialists). */
export const TUTORIAL_PATIENCE = 200;

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

/** The catalogue's net `name`, made fresh, or undefined when it has none of that name. */
export function catalogueNet(name: string): NetSpec | undefined {
  return Object.hasOwn(NETS, name) ? NETS[name]() : undefined;
}
