/**
 * The flat parameter layout: every trainable tensor of a spec, in a fixed
 * order, at a fixed offset of one Float32Array. This vector is what the
 * coordinator owns, what the optimizer updates, and what travels to the
 * workers (as little-endian float32 bytes).
 *
 * Order: layers in spec order, then the output layer; per layer the kernel
 * then the bias. This is also the order of a built tfjs model's
 * `trainableWeights`, and each tensor's values are stored row-major in tfjs
 * shape conventions: conv kernel [kh, kw, cin, cout], dense kernel [in, out],
 * bias [units].
 */
import { SizeMismatchError } from './errors.ts';
import { type NetSpec, inferShapes } from './net-specs/index.ts';

export interface ParamEntry {
  /** '<layer>/kernel' or '<layer>/bias' (the tfjs weight name). */
  readonly name: string;
  readonly layer: string;
  readonly role: 'kernel' | 'bias';
  readonly shape: readonly number[];
  /** Start index in the flat vector. */
  readonly offset: number;
  /** Number of elements (product of shape). */
  readonly size: number;
  /** Glorot fans (Lasagne/Keras convention; both 0 for biases). */
  readonly fanIn: number;
  readonly fanOut: number;
}

export interface ParamLayout {
  readonly entries: readonly ParamEntry[];
  /** Total number of parameters = length of the flat vector. */
  readonly size: number;
}

/** The flat layout of a spec's trainable parameters. @throws InvalidSpecError */
export function paramLayout(spec: NetSpec): ParamLayout {
  const entries: ParamEntry[] = [];
  let offset = 0;
  const add = (layer: string, role: 'kernel' | 'bias', shape: number[], fanIn: number, fanOut: number): void => {
    const size = shape.reduce((a, b) => a * b, 1);
    entries.push({ name: `${layer}/${role}`, layer, role, shape, offset, size, fanIn, fanOut });
    offset += size;
  };
  for (const s of inferShapes(spec)) {
    if (s.type === 'conv2d' && s.layer?.type === 'conv2d') {
      const k = s.layer.kernelSize;
      const cin = s.inputShape[2];
      const cout = s.layer.filters;
      add(s.name, 'kernel', [k, k, cin, cout], k * k * cin, k * k * cout);
      add(s.name, 'bias', [cout], 0, 0);
    } else if (s.type === 'dense' || s.type === 'output') {
      const fin = s.inputShape[0];
      const fout = s.outputShape[0];
      add(s.name, 'kernel', [fin, fout], fin, fout);
      add(s.name, 'bias', [fout], 0, 0);
    }
  }
  return { entries, size: offset };
}

/** Number of trainable parameters of a spec, without building a model. */
export function countParameters(spec: NetSpec): number {
  return paramLayout(spec).size;
}

/**
 * A short text identifying the layout ("conv1/kernel:3x3x1x32,conv1/bias:32,...").
 * Two parties with equal signatures agree on the meaning of every float.
 */
export function layoutSignature(layout: ParamLayout): string {
  return layout.entries.map((e) => `${e.name}:${e.shape.join('x')}`).join(',');
}

/** Checks that a flat vector matches a layout. @throws SizeMismatchError */
export function assertLayoutSize(layout: ParamLayout, flat: ArrayLike<number>, what = 'parameters'): void {
  if (flat.length !== layout.size) throw new SizeMismatchError(what, layout.size, flat.length);
}

/**
 * Packs per-tensor values (in layout order) into one new Float32Array.
 * @throws SizeMismatchError when a tensor's length differs from its entry.
 */
export function packParameters(layout: ParamLayout, tensors: readonly ArrayLike<number>[]): Float32Array {
  if (tensors.length !== layout.entries.length) throw new SizeMismatchError('parameter tensors', layout.entries.length, tensors.length);
  const flat = new Float32Array(layout.size);
  layout.entries.forEach((e, i) => {
    const t = tensors[i];
    if (t.length !== e.size) throw new SizeMismatchError(e.name, e.size, t.length);
    flat.set(t, e.offset);
  });
  return flat;
}

/**
 * Views of each tensor inside a flat vector, in layout order. The views share
 * memory with `flat` (copy them with .slice() if `flat` will change).
 * @throws SizeMismatchError
 */
export function unpackParameters(layout: ParamLayout, flat: Float32Array): Float32Array[] {
  assertLayoutSize(layout, flat);
  return layout.entries.map((e) => flat.subarray(e.offset, e.offset + e.size));
}

/** The view of one named tensor inside a flat vector. */
export function parameterView(layout: ParamLayout, flat: Float32Array, name: string): Float32Array {
  assertLayoutSize(layout, flat);
  const e = layout.entries.find((x) => x.name === name);
  if (!e) throw new RangeError(`no parameter '${name}' in layout (${layout.entries.map((x) => x.name).join(', ')})`);
  return flat.subarray(e.offset, e.offset + e.size);
}

/**
 * Copies every tensor of `from` into `to` where name and shape match, as the
 * tutorial's specialists start from the general net's weights (nolearn's
 * load_params_from); a differently sized output layer is left as it is.
 * Returns the names copied.
 */
export function transferParameters(from: ParamLayout, fromFlat: Float32Array, to: ParamLayout, toFlat: Float32Array): string[] {
  assertLayoutSize(from, fromFlat, 'source parameters');
  assertLayoutSize(to, toFlat, 'target parameters');
  const copied: string[] = [];
  for (const t of to.entries) {
    const f = from.entries.find((e) => e.name === t.name);
    if (!f || f.shape.length !== t.shape.length || !f.shape.every((d, i) => d === t.shape[i])) continue;
    toFlat.set(fromFlat.subarray(f.offset, f.offset + f.size), t.offset);
    copied.push(t.name);
  }
  return copied;
}
