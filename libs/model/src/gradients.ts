/**
 * Loss and gradient SUMS of a net on the current tfjs backend.
 *
 * lossSum = sum over samples of (mean over outputs of the squared error), and
 * gradSum = d lossSum / d parameters (flat, layout order). Sums, not means, so
 * the parts of a global batch computed by different workers add up exactly
 * (up to float rounding); the coordinator divides by the global batch size.
 *
 * The forward pass is written with tfjs ops on the model's own variables (the
 * same maths as the Sequential model's layers), so that dropout can use
 * explicit per-sample masks (see dropout.ts), and so that convolutions can be
 * computed as im2col + matMul (see convolution.ts) where the backend's own
 * conv gradient is missing (wasm: no Conv2DBackpropFilter) or very slow (cpu:
 * ~70 s per net2 sample).
 */
import * as tf from './tf.ts';
import { type FlipSpec, IMAGE_PIXELS, Rng, applyFlips, flipSpecFor } from '@kfkd/data';
import { buildModel, getModelParameters, setModelParameters } from './build-model.ts';
import { fusedConvRelu, im2colConv2d, matMulPlainGrads, nativeConv2d, plainMatMul } from './convolution.ts';
import { type DropoutLayerInfo, dropoutLayers, dropoutMasks } from './dropout.ts';
import { SizeMismatchError } from './errors.ts';
import { type NetSpec, inferShapes, inputShape } from './net-specs/index.ts';
import { type ParamLayout, paramLayout } from './param-layout.ts';
import { scalePixelsOnBackend } from './wasm-training/pixels.ts';
import { wasmTrainingKernelsRegistered } from './wasm-training/register.ts';

export interface Batch {
  /** n x 9216 raw pixels (0..255), row-major 96x96 per image. */
  readonly pixels: Uint8Array;
  /** n x outputs targets in scaled units ((px - 48) / 48). */
  readonly targets: Float32Array;
}

export interface TrainingBatch extends Batch {
  /** 1 = mirror this sample (image and targets); length n. */
  readonly flipMask?: Uint8Array;
  /** How to mirror targets; default: from the spec's columns and flip pairs. */
  readonly flipSpec?: FlipSpec;
  /**
   * One dropout seed per sample (see dropoutSeedsFor). Default: drawn from the
   * computer's own seeded stream (deterministic per instance, but then the
   * masks depend on how a batch is split).
   */
  readonly dropoutSeeds?: Uint32Array;
}

export interface GradientResult {
  /** Sum over samples of each sample's mean-over-outputs squared error. */
  readonly lossSum: number;
  /** Gradient of lossSum with respect to the flat parameters. */
  readonly gradSum: Float32Array;
  /** Number of samples. */
  readonly count: number;
}

export interface GradientComputerOptions {
  /** Initial parameters; default initialParameters(spec, seed). */
  readonly parameters?: Float32Array;
  readonly seed?: number;
  /** Seed of the stream used for dropout seeds when a batch brings none (default 0). */
  readonly dropoutSeed?: number;
  /**
   * Samples per forward/backward pass; larger batches are processed in chunks
   * and summed. Default: 128 on the 'tensorflow' backend, on wasm with the
   * training kernels (~1 GB of heap for net2) and for nets without
   * convolutions; 32 for conv nets elsewhere (stock wasm's im2col runs out of
   * its 4 GB heap on net2 at 128, and 32 is faster there).
   */
  readonly chunkSize?: number;
  /** How convolutions are computed (default 'auto'; see ConvolutionMode). */
  readonly convolution?: ConvolutionMode;
}

/**
 * 'native': tf.conv2d (its gradient needs the backend's Conv2DBackpropFilter:
 * fast on tfjs-node and on wasm with registerWasmTrainingKernels(), absent on
 * stock wasm, extremely slow on cpu).
 * 'im2col': the kernel-size shifted slices of the input concatenated along
 * channels, times the kernel reshaped to [kh*kw*cin, cout]: the same sums in
 * another order, with gradients from slice/concat/matMul only.
 * 'auto': native on 'tensorflow', GPU backends and wasm with the training
 * kernels; im2col on 'cpu' and stock 'wasm'.
 * Only gradient computations use it: evaluate() and predict() always use
 * tf.conv2d, whose forward kernel every backend has.
 */
export type ConvolutionMode = 'auto' | 'native' | 'im2col';

type Op =
  | { readonly kind: 'conv2d' | 'dense' | 'output'; readonly w: number }
  | { readonly kind: 'maxpool2d'; readonly size: number }
  | { readonly kind: 'dropout'; readonly index: number }
  | { readonly kind: 'flatten' };

/** Holds a built model of a spec and computes losses, gradients and predictions with it. */
export class GradientComputer {
  readonly spec: NetSpec;
  readonly layout: ParamLayout;
  readonly model: tf.Sequential;
  readonly flipSpec: FlipSpec;
  private readonly vars: tf.Variable[];
  private readonly ops: Op[];
  private readonly dropout: DropoutLayerInfo[];
  private readonly dropoutRng: Rng;
  private readonly chunkOption: number | undefined;
  private readonly inputShape: number[];
  private readonly convolution: ConvolutionMode;

  constructor(spec: NetSpec, options: GradientComputerOptions = {}) {
    this.spec = spec;
    this.layout = paramLayout(spec);
    this.model = buildModel(spec, { parameters: options.parameters, seed: options.seed });
    this.vars = this.model.trainableWeights.map((w) => w.read() as tf.Variable);
    this.flipSpec = flipSpecFor(spec.columns, spec.flipPairs);
    this.dropout = dropoutLayers(spec);
    this.dropoutRng = new Rng(options.dropoutSeed ?? 0);
    this.chunkOption = options.chunkSize;
    if (this.chunkOption !== undefined && !(Number.isInteger(this.chunkOption) && this.chunkOption > 0)) {
      throw new RangeError(`chunkSize must be a positive integer, got ${this.chunkOption}`);
    }
    this.inputShape = inputShape(spec);
    this.convolution = options.convolution ?? 'auto';
    let w = 0;
    let d = 0;
    this.ops = inferShapes(spec).map((s): Op => {
      switch (s.type) {
        case 'conv2d':
        case 'dense':
        case 'output': {
          const op = { kind: s.type, w } as const;
          w += 2;
          return op;
        }
        case 'maxpool2d':
          return { kind: 'maxpool2d', size: s.layer?.type === 'maxpool2d' ? s.layer.poolSize : 2 };
        case 'dropout':
          return { kind: 'dropout', index: d++ };
        case 'flatten':
          return { kind: 'flatten' };
      }
    });
  }

  /** The convolution formulation computeGradients uses on the current backend. */
  get convolutionMode(): 'native' | 'im2col' {
    if (this.convolution !== 'auto') return this.convolution;
    const backend = tf.getBackend();
    return backend === 'cpu' || (backend === 'wasm' && !wasmTrainingKernelsRegistered()) ? 'im2col' : 'native';
  }

  /** Samples per forward/backward pass on the current backend. */
  get chunkSize(): number {
    // Dense-only nets (net1) are cheap per sample but read back every
    // gradient per chunk: one pass over 128 samples is ~1.3x faster on wasm.
    // The wasm training kernels keep net2's 128 samples in ~1 GB of heap (no
    // patches, no copies of dy), and one pass reads back and sums the 8M
    // gradients once instead of 4 times: ~13% less CPU per step than 32.
    const whole = tf.getBackend() === 'tensorflow' || (tf.getBackend() === 'wasm' && wasmTrainingKernelsRegistered());
    return this.chunkOption ?? (whole || !this.ops.some((op) => op.kind === 'conv2d') ? 128 : 32);
  }

  /** Number of trainable parameters. */
  get parameterCount(): number {
    return this.layout.size;
  }

  /** Copies a flat parameter vector (layout order) into the model. @throws SizeMismatchError */
  setParameters(flat: Float32Array): void {
    setModelParameters(this.model, this.layout, flat);
  }

  /** A copy of the model's current parameters. */
  getParameters(): Float32Array {
    return getModelParameters(this.model, this.layout);
  }

  /**
   * Loss and gradient sums over a batch, with dropout active and the flips of
   * `flipMask` applied (to copies; the caller's arrays are not changed).
   * @throws SizeMismatchError
   */
  computeGradients(batch: TrainingBatch): GradientResult {
    const n = this.sampleCount(batch);
    let { pixels, targets } = batch;
    if (batch.flipMask) {
      if (batch.flipMask.length !== n) throw new SizeMismatchError('flipMask', n, batch.flipMask.length);
      if (batch.flipMask.some((m) => m !== 0)) {
        const flipSpec = batch.flipSpec ?? this.flipSpec;
        if (flipSpec.width !== this.spec.outputs) throw new SizeMismatchError('flipSpec width', this.spec.outputs, flipSpec.width);
        pixels = pixels.slice();
        targets = targets.slice();
        applyFlips(pixels, targets, batch.flipMask, flipSpec);
      }
    }
    let seeds: Uint32Array | null = null;
    if (this.dropout.length > 0) {
      if (batch.dropoutSeeds) {
        if (batch.dropoutSeeds.length !== n) throw new SizeMismatchError('dropoutSeeds', n, batch.dropoutSeeds.length);
        seeds = batch.dropoutSeeds;
      } else {
        seeds = new Uint32Array(n);
        for (let i = 0; i < n; i++) seeds[i] = this.dropoutRng.nextUint32();
      }
    }

    const gradSum = new Float32Array(this.layout.size);
    let lossSum = 0;
    const chunk = this.chunkSize;
    const convolution = this.convolutionMode;
    for (let start = 0; start < n; start += chunk) {
      const end = Math.min(n, start + chunk);
      const m = end - start;
      const masks = seeds ? dropoutMasks(this.dropout, seeds.subarray(start, end)) : null;
      const out = tf.tidy(() => {
        const x = this.inputTensor(pixels, start, end);
        const y = this.targetTensor(targets, start, end);
        const maskTensors = masks?.map((mk, j) => tf.tensor(mk, [m, ...this.dropout[j].shape], 'float32')) ?? null;
        const { value, grads } = tf.variableGrads(() => this.lossSumOf(this.forward(x, maskTensors, convolution), y), this.vars);
        return [value, ...this.vars.map((v) => grads[v.name])];
      });
      try {
        lossSum += out[0].dataSync()[0];
        this.layout.entries.forEach((e, i) => {
          const g = out[i + 1].dataSync() as Float32Array;
          if (start === 0) {
            gradSum.set(g, e.offset);
          } else {
            for (let k = 0, o = e.offset; k < e.size; k++, o++) gradSum[o] += g[k];
          }
        });
      } finally {
        tf.dispose(out);
      }
    }
    return { lossSum, gradSum, count: n };
  }

  /** Sum over samples of the mean-over-outputs squared error, dropout off, no flips. */
  evaluate(batch: Batch): number {
    const n = this.sampleCount(batch);
    let lossSum = 0;
    const chunk = this.chunkSize;
    for (let start = 0; start < n; start += chunk) {
      const end = Math.min(n, start + chunk);
      const loss = tf.tidy(() =>
        this.lossSumOf(this.forward(this.inputTensor(batch.pixels, start, end), null, 'native'), this.targetTensor(batch.targets, start, end)),
      );
      try {
        lossSum += loss.dataSync()[0];
      } finally {
        loss.dispose();
      }
    }
    return lossSum;
  }

  /** Predictions (n x outputs, scaled units) for n x 9216 pixels, dropout off. */
  predict(pixels: Uint8Array): Float32Array {
    const n = this.imageCount(pixels);
    const out = new Float32Array(n * this.spec.outputs);
    const chunk = this.chunkSize;
    for (let start = 0; start < n; start += chunk) {
      const end = Math.min(n, start + chunk);
      const pred = tf.tidy(() => this.forward(this.inputTensor(pixels, start, end), null, 'native'));
      try {
        out.set(pred.dataSync() as Float32Array, start * this.spec.outputs);
      } finally {
        pred.dispose();
      }
    }
    return out;
  }

  /** Frees the model's tensors. */
  dispose(): void {
    this.model.dispose();
  }

  private imageCount(pixels: Uint8Array): number {
    if (pixels.length % IMAGE_PIXELS !== 0) throw new SizeMismatchError(`pixels (a multiple of ${IMAGE_PIXELS})`, Math.ceil(pixels.length / IMAGE_PIXELS) * IMAGE_PIXELS, pixels.length);
    return pixels.length / IMAGE_PIXELS;
  }

  private sampleCount(batch: Batch): number {
    const n = this.imageCount(batch.pixels);
    if (batch.targets.length !== n * this.spec.outputs) throw new SizeMismatchError(`targets (${n} samples x ${this.spec.outputs} outputs)`, n * this.spec.outputs, batch.targets.length);
    return n;
  }

  /** Pixels [start, end) scaled to [0, 1] as float32 (X = pixels / 255, as the tutorial). */
  private inputTensor(pixels: Uint8Array, start: number, end: number): tf.Tensor {
    const m = end - start;
    const src = pixels.subarray(start * IMAGE_PIXELS, end * IMAGE_PIXELS);
    // On wasm with the training kernels: the bytes go to the heap and a SIMD loop scales them (same values).
    const onBackend = scalePixelsOnBackend(src, [m, ...this.inputShape]);
    if (onBackend) return onBackend;
    const x = new Float32Array(m * IMAGE_PIXELS);
    for (let i = 0; i < x.length; i++) x[i] = PIXEL_SCALE[src[i]];
    return tf.tensor(x, [m, ...this.inputShape], 'float32');
  }

  private targetTensor(targets: Float32Array, start: number, end: number): tf.Tensor2D {
    const o = this.spec.outputs;
    return tf.tensor2d(targets.slice(start * o, end * o), [end - start, o], 'float32');
  }

  private lossSumOf(pred: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
    return tf.div(tf.sum(tf.squaredDifference(pred, y)), this.spec.outputs);
  }

  /** The net's forward pass; `masks` null = dropout off. */
  private forward(x: tf.Tensor, masks: tf.Tensor[] | null, convolution: 'native' | 'im2col'): tf.Tensor2D {
    // The stock wasm transposed matMul (used by matMul's own gradient) is ~30x slower than its plain one.
    const matMul = tf.getBackend() === 'wasm' && !wasmTrainingKernelsRegistered() ? matMulPlainGrads : plainMatMul;
    const conv = convolution === 'im2col' ? (h: tf.Tensor4D, k: tf.Tensor4D) => im2colConv2d(h, k, matMul) : nativeConv2d;
    // On wasm with the training kernels: convolution, bias and ReLU in one forward kernel (see fusedConvRelu).
    const fused = convolution === 'native' && tf.getBackend() === 'wasm' && wasmTrainingKernelsRegistered();
    let h = x;
    for (const op of this.ops) {
      switch (op.kind) {
        case 'conv2d':
          h = fused
            ? fusedConvRelu(h as tf.Tensor4D, this.vars[op.w] as tf.Tensor4D, this.vars[op.w + 1] as tf.Tensor1D, h === x)
            : tf.relu(tf.add(conv(h as tf.Tensor4D, this.vars[op.w] as tf.Tensor4D), this.vars[op.w + 1]));
          break;
        case 'maxpool2d':
          h = tf.maxPool(h as tf.Tensor4D, op.size, op.size, 'valid');
          break;
        case 'dropout':
          if (masks) h = tf.mul(h, masks[op.index]);
          break;
        case 'flatten':
          h = tf.reshape(h, [h.shape[0], -1]);
          break;
        case 'dense':
        case 'output': {
          const z = tf.add(matMul(h as tf.Tensor2D, this.vars[op.w] as tf.Tensor2D), this.vars[op.w + 1]);
          h = op.kind === 'dense' ? tf.relu(z) : z;
          break;
        }
      }
    }
    return h as tf.Tensor2D;
  }
}

/** PIXEL_SCALE[p] = p / 255 rounded to float32: the same values as dividing, without a division per pixel. */
const PIXEL_SCALE = Float32Array.from({ length: 256 }, (_, p) => p / 255);
