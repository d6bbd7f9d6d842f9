/**
 * Dropout masks generated in JavaScript from one seed per sample.
 *
 * tfjs's dropout layer reuses the same mask on every call when given a seed,
 * and is unseeded otherwise. Here every sample's masks (all dropout layers, in
 * order) come from Rng(seed of that sample), so a sample gets the same mask
 * whichever worker computes it and however the batch is split: with
 * per-sample seeds derived from (step seed, global sample index), 1 and N
 * workers compute the same gradient.
 */
import { Rng } from '@kfkd/data';
import { type NetSpec, inferShapes } from './net-specs/index.ts';

export interface DropoutLayerInfo {
  readonly name: string;
  readonly rate: number;
  /** Per-sample shape of the activations the mask multiplies. */
  readonly shape: readonly number[];
  /** Elements per sample. */
  readonly size: number;
}

/** The dropout layers of a spec, in order. */
export function dropoutLayers(spec: NetSpec): DropoutLayerInfo[] {
  return inferShapes(spec).flatMap((s) =>
    s.layer?.type === 'dropout' ? [{ name: s.name, rate: s.layer.rate, shape: s.outputShape, size: s.outputShape.reduce((a, b) => a * b, 1) }] : [],
  );
}

/** A well-mixed 32-bit seed for sample `sampleIndex` of the step with seed `stepSeed`. */
export function sampleDropoutSeed(stepSeed: number, sampleIndex: number): number {
  let h = Math.imul((stepSeed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  h = (h ^ Math.imul(sampleIndex >>> 0, 0xc2b2ae35)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Per-sample seeds for samples [firstIndex, firstIndex + count) of a step. */
export function dropoutSeedsFor(stepSeed: number, firstIndex: number, count: number): Uint32Array {
  const seeds = new Uint32Array(count);
  for (let i = 0; i < count; i++) seeds[i] = sampleDropoutSeed(stepSeed, firstIndex + i);
  return seeds;
}

/**
 * Inverted-dropout masks, one Float32Array per dropout layer, each
 * (samples x layer size): 0 where a unit is dropped (probability `rate`),
 * 1 / (1 - rate) where it is kept.
 */
export function dropoutMasks(layers: readonly DropoutLayerInfo[], seeds: Uint32Array): Float32Array[] {
  const n = seeds.length;
  const masks = layers.map((l) => new Float32Array(n * l.size));
  for (let i = 0; i < n; i++) {
    const rng = new Rng(seeds[i]);
    layers.forEach((l, j) => {
      const keep = (1 - l.rate) * 4294967296;
      const scale = Math.fround(1 / (1 - l.rate));
      const m = masks[j];
      const end = (i + 1) * l.size;
      for (let k = i * l.size; k < end; k++) m[k] = rng.nextUint32() < keep ? scale : 0;
    });
  }
  return masks;
}
