/**
 * Builds a stock tfjs Layers model from a spec. Only standard layers are used
 * (inputLayer via inputShape, conv2d 'valid', maxPooling2d, dropout, flatten,
 * dense), so a saved model loads with plain `tf.loadLayersModel` anywhere.
 */
import * as tf from './tf.ts';
import { SizeMismatchError } from './errors.ts';
import { initialParameters } from './init.ts';
import { type NetSpec, inferShapes, inputShape } from './net-specs/index.ts';
import { type ParamLayout, assertLayoutSize, paramLayout } from './param-layout.ts';

export interface BuildModelOptions {
  /** Initial flat parameters (layout order); default initialParameters(spec, seed). */
  readonly parameters?: Float32Array;
  /** Seed of the default initialisation (default 0). */
  readonly seed?: number;
}

/**
 * A tf.Sequential for the spec on the current backend, with its weights set
 * from `parameters` or from the seeded Glorot-uniform initialisation.
 * The dropout layers carry the spec's rates (used by model.predict/fit only in
 * training mode; GradientComputer generates its own masks).
 * @throws InvalidSpecError
 */
export function buildModel(spec: NetSpec, options: BuildModelOptions = {}): tf.Sequential {
  const shapes = inferShapes(spec);
  const layout = paramLayout(spec);
  const parameters = options.parameters ?? initialParameters(layout, options.seed ?? 0);
  assertLayoutSize(layout, parameters);
  const model = tf.sequential({ name: spec.name });
  shapes.forEach((s, i) => {
    const first = i === 0 ? { inputShape: inputShape(spec) } : {};
    // The initial values are overwritten below; 'zeros' avoids drawing millions of randoms for nothing.
    const init = { kernelInitializer: 'zeros', biasInitializer: 'zeros' } as const;
    switch (s.type) {
      case 'conv2d':
        if (s.layer?.type !== 'conv2d') throw new Error('unreachable');
        model.add(
          tf.layers.conv2d({
            name: s.name,
            filters: s.layer.filters,
            kernelSize: s.layer.kernelSize,
            strides: 1,
            padding: 'valid',
            dataFormat: 'channelsLast',
            activation: 'relu',
            ...init,
            ...first,
          }),
        );
        break;
      case 'maxpool2d':
        if (s.layer?.type !== 'maxpool2d') throw new Error('unreachable');
        model.add(tf.layers.maxPooling2d({ name: s.name, poolSize: s.layer.poolSize, strides: s.layer.poolSize, padding: 'valid', ...first }));
        break;
      case 'dropout':
        if (s.layer?.type !== 'dropout') throw new Error('unreachable');
        model.add(tf.layers.dropout({ name: s.name, rate: s.layer.rate, ...first }));
        break;
      case 'flatten':
        model.add(tf.layers.flatten({ name: s.name, ...first }));
        break;
      case 'dense':
      case 'output':
        model.add(
          tf.layers.dense({
            name: s.name,
            units: s.outputShape[0],
            activation: s.type === 'output' ? 'linear' : 'relu',
            ...init,
            ...first,
          }),
        );
        break;
    }
  });
  setModelParameters(model, layout, parameters);
  return model;
}

/** Checks that a model's trainable weights are exactly the layout's tensors, in order. */
export function assertModelMatchesLayout(model: tf.LayersModel, layout: ParamLayout): void {
  const weights = model.trainableWeights;
  if (weights.length !== layout.entries.length) throw new SizeMismatchError('model trainable tensors', layout.entries.length, weights.length);
  weights.forEach((w, i) => {
    const e = layout.entries[i];
    const size = w.shape.reduce((a: number, b) => a * (b ?? 1), 1);
    const sameShape = w.shape.length === e.shape.length && w.shape.every((d, j) => d === e.shape[j]);
    if (!sameShape) throw new SizeMismatchError(`model weight ${w.originalName} [${w.shape.join(',')}] vs layout ${e.name} [${e.shape.join(',')}]`, e.size, size);
  });
}

/** Writes a flat parameter vector into a model's weights (copies; `flat` may change afterwards). */
export function setModelParameters(model: tf.LayersModel, layout: ParamLayout, flat: Float32Array): void {
  assertLayoutSize(layout, flat);
  assertModelMatchesLayout(model, layout);
  const weights = model.trainableWeights;
  tf.tidy(() => {
    layout.entries.forEach((e, i) => {
      // slice(): tfjs may keep the given array as the tensor's storage.
      weights[i].write(tf.tensor(flat.slice(e.offset, e.offset + e.size), [...e.shape], 'float32'));
    });
  });
}

/** Reads a model's weights into a new flat parameter vector. */
export function getModelParameters(model: tf.LayersModel, layout: ParamLayout): Float32Array {
  assertModelMatchesLayout(model, layout);
  const flat = new Float32Array(layout.size);
  model.trainableWeights.forEach((w, i) => {
    flat.set(w.read().dataSync() as Float32Array, layout.entries[i].offset);
  });
  return flat;
}
