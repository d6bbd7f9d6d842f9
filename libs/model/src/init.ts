/**
 * Initial parameters, computed in plain JavaScript from a seed so that they
 * are identical on every backend and on every machine (the coordinator
 * creates them; no tfjs needed).
 */
import { Rng } from '@kfkd/data';
import type { NetSpec } from './net-specs/index.ts';
import { type ParamLayout, paramLayout } from './param-layout.ts';

/**
 * Glorot-uniform kernels (Lasagne's GlorotUniform, gain 1: U(-a, a) with
 * a = sqrt(6 / (fanIn + fanOut)), fans including the receptive field) and zero
 * biases, drawn tensor by tensor in layout order from Rng(seed).
 */
export function initialParameters(specOrLayout: NetSpec | ParamLayout, seed: number): Float32Array {
  const layout = 'entries' in specOrLayout ? specOrLayout : paramLayout(specOrLayout);
  const flat = new Float32Array(layout.size);
  const rng = new Rng(seed);
  for (const e of layout.entries) {
    if (e.role !== 'kernel') continue;
    const a = Math.sqrt(6 / (e.fanIn + e.fanOut));
    const end = e.offset + e.size;
    for (let i = e.offset; i < end; i++) flat[i] = (2 * rng.next() - 1) * a;
  }
  return flat;
}
