/** Validation of a spec (also one read from JSON) and the shapes of its layers. */
import { IMAGE_SIDE } from '@kfkd/data';
import { InvalidSpecError } from '../errors.ts';
import { type LayerSpec, type NetSpec, OUTPUT_LAYER_NAME } from './types.ts';

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
