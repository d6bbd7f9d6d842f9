/**
 * `npm run bench -- compute [--nets net1,net2] [--batch 128] [--repeat 3] [--cpu-images 8]`
 *
 * Images per second of one full training step (set parameters, forward,
 * backward, Nesterov update: what the trainer does per batch) for each net on
 * three paths, measured side by side in one process:
 *  - stock cpu: @tensorflow/tfjs-backend-cpu through GradientComputer (its
 *    im2col formulation; tf.conv2d's own cpu gradient is slower still). A full
 *    batch takes minutes, so it runs fewer images and is scaled per image.
 *  - stock wasm: the wasm backend's own kernels. tf.conv2d cannot train there
 *    (no Conv2DBackpropFilter); GradientComputer's im2col and explicit-transpose
 *    workarounds are what runs.
 *  - fast wasm: the wasm backend with the training kernels (registerWasmTrainingKernels),
 *    on 1 thread and on KFKD_WASM_THREADS (default: all cores) XNNPACK threads.
 * Each path runs in its own child process (the wasm thread count is fixed at
 * initialisation), one after the other.
 * Then the ratios, and the fast path's GFLOP/s (multiply-adds of the
 * convolutions and dense layers, forward and backward, counted as 2 FLOPs).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  GradientComputer,
  type NetSpec,
  UpdateMemory,
  dropoutSeedsFor,
  inferShapes,
  nesterovUpdate,
  netSpec,
  registerWasmTrainingKernels,
  selectBackend,
  unregisterWasmTrainingKernels,
} from '@kfkd/model';
import { IMAGE_PIXELS, Rng } from '@kfkd/data';

interface Options {
  nets: string[];
  batch: number;
  repeat: number;
  cpuImages: number;
}

type Path = 'stock cpu' | 'stock wasm' | 'fast wasm 1 thread' | 'fast wasm';

interface Measurement {
  readonly imagesPerSecond: number | null;
  readonly note: string;
}

function parse(args: string[]): Options {
  const o: Options = { nets: ['net1', 'net2'], batch: 128, repeat: 3, cpuImages: 8 };
  for (let i = 0; i < args.length; i++) {
    const v = args[i + 1];
    switch (args[i]) {
      case '--nets':
        o.nets = v.split(',');
        i++;
        break;
      case '--batch':
        o.batch = Number(v);
        i++;
        break;
      case '--repeat':
        o.repeat = Number(v);
        i++;
        break;
      case '--cpu-images':
        o.cpuImages = Number(v);
        i++;
        break;
      default:
        throw new Error(`unknown option ${args[i]}`);
    }
  }
  return o;
}

/** FLOPs of one training step per image: forward, weight gradients, input gradients (not of the first layer). */
export function trainingFlopsPerImage(spec: NetSpec): number {
  let flops = 0;
  let first = true;
  for (const s of inferShapes(spec)) {
    let macs = 0;
    if (s.type === 'conv2d' && s.layer?.type === 'conv2d') {
      const [oh, ow, cout] = s.outputShape;
      macs = oh * ow * cout * s.layer.kernelSize * s.layer.kernelSize * s.inputShape[2];
    } else if (s.type === 'dense' || s.type === 'output') {
      macs = s.inputShape[0] * s.outputShape[0];
    } else {
      continue;
    }
    flops += 2 * macs * (first ? 2 : 3);
    first = false;
  }
  return flops;
}

function batchOf(spec: NetSpec, n: number, seed: number) {
  const rng = new Rng(seed);
  const pixels = new Uint8Array(n * IMAGE_PIXELS);
  for (let i = 0; i < pixels.length; i++) pixels[i] = rng.int(256);
  const targets = new Float32Array(n * spec.outputs);
  for (let i = 0; i < targets.length; i++) targets[i] = rng.uniform(-0.8, 0.8);
  return { pixels, targets };
}

/** Seconds of each of `steps` training steps of `n` images after one warm-up step. */
function timeSteps(spec: NetSpec, n: number, steps: number): number[] {
  const gc = new GradientComputer(spec, { seed: 1 });
  // As the trainer: parameters, velocities and the gradient in one UpdateMemory (SIMD update).
  const memory = new UpdateMemory(gc.getParameters().length, 1);
  const { parameters: params, velocity } = memory;
  params.set(gc.getParameters());
  const gradient = memory.takeGradient();
  const batch = batchOf(spec, n, 7);
  const flipMask = spec.training.flip ? Uint8Array.from({ length: n }, (_, i) => i % 2) : undefined;
  const step = (s: number) => {
    gc.setParameters(params);
    const { gradSum } = gc.computeGradients({ ...batch, flipMask, dropoutSeeds: dropoutSeedsFor(s, 0, n) });
    gradient.set(gradSum);
    nesterovUpdate(params, velocity, gradient, 0.01, 0.9, 1 / n);
  };
  try {
    step(0);
    const times: number[] = [];
    for (let s = 1; s <= steps; s++) {
      const t0 = performance.now();
      step(s);
      times.push((performance.now() - t0) / 1000);
    }
    return times;
  } finally {
    gc.dispose();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(path: Path, spec: NetSpec, o: Options): Promise<Measurement> {
  if (path === 'stock cpu') {
    await selectBackend('cpu');
    const n = Math.min(o.batch, spec.input === 'image' ? o.cpuImages : o.batch);
    const times = timeSteps(spec, n, 1);
    const scaled = n === o.batch ? '' : `; ${n} images per step, scaled per image`;
    return { imagesPerSecond: n / median(times), note: `${median(times).toFixed(2)} s/step${scaled}` };
  }
  // selectBackend('wasm') registers the training kernels; the stock path takes them out again.
  await selectBackend('wasm');
  if (path === 'stock wasm') unregisterWasmTrainingKernels();
  else registerWasmTrainingKernels();
  if (path === 'stock wasm' && spec.input === 'image') {
    // What a plain tf.conv2d net hits on the stock kernels.
    const native = new GradientComputer(spec, { seed: 1, convolution: 'native' });
    let missing = '';
    try {
      native.computeGradients(batchOf(spec, 1, 3));
    } catch (err) {
      missing = err instanceof Error ? err.message.split('\n')[0] : String(err);
    } finally {
      native.dispose();
    }
    if (missing) {
      const times = timeSteps(spec, o.batch, o.repeat);
      return { imagesPerSecond: o.batch / median(times), note: `tf.conv2d cannot train ("${missing.slice(0, 60)}"); GradientComputer's im2col workaround, ${median(times).toFixed(2)} s/step` };
    }
  }
  const times = timeSteps(spec, o.batch, o.repeat);
  return { imagesPerSecond: o.batch / median(times), note: `median ${median(times).toFixed(3)} s/step of ${times.length} (best ${Math.min(...times).toFixed(3)})` };
}

/**
 * Measures one path in a child process: the wasm backend's thread count is
 * fixed when it first initialises, and stock wasm is single-threaded in Node.
 */
async function measureInChild(path: Path, net: string, o: Options): Promise<Measurement> {
  const { spawnSync } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const threads = path === 'fast wasm' ? (process.env.KFKD_WASM_THREADS ?? '') : '1';
  const args = ['--import', 'tsx', fileURLToPath(new URL('./main.ts', import.meta.url)), 'compute-one', path, net, String(o.batch), String(o.repeat), String(o.cpuImages)];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, KFKD_WASM_THREADS: threads }, maxBuffer: 1 << 24 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (!line) return { imagesPerSecond: null, note: `failed (exit ${r.status ?? r.signal}): ${(r.stderr || r.stdout || String(r.error)).trim().split('\n').slice(-1)[0]}` };
  return JSON.parse(line) as Measurement;
}

/** Child side of measureInChild: prints one Measurement as JSON. */
export async function computeOne(args: string[]): Promise<void> {
  const [path, net, batch, repeat, cpuImages] = args;
  const m = await measure(path as Path, netSpec(net), { nets: [net], batch: Number(batch), repeat: Number(repeat), cpuImages: Number(cpuImages) });
  const info = await selectBackend(path === 'stock cpu' ? 'cpu' : 'wasm');
  const device = path === 'stock wasm' ? info.device.replace(', training kernels', ', stock kernels') : info.device;
  console.log(JSON.stringify({ ...m, note: `${m.note}; ${device}` }));
}

export async function compute(args: string[]): Promise<void> {
  const o = parse(args);
  const paths: Path[] = ['stock cpu', 'stock wasm', 'fast wasm 1 thread', 'fast wasm'];
  console.log(`compute benchmark: full training step (set parameters, forward, backward, Nesterov update), batch ${o.batch}, median of ${o.repeat} steps after a warm-up step`);
  console.log(`node ${process.version}, tfjs ${tf.version_core}, ${(await import('node:os')).availableParallelism()} cores, load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  for (const name of o.nets) {
    const spec = netSpec(name);
    const results = new Map<Path, Measurement>();
    console.log(`\n${name} (${(trainingFlopsPerImage(spec) / 1e6).toFixed(1)} MFLOP per image per training step)`);
    for (const path of paths) {
      const m = await measureInChild(path, name, o);
      results.set(path, m);
      console.log(`  ${path.padEnd(18)} ${m.imagesPerSecond === null ? '      n/a' : m.imagesPerSecond.toFixed(1).padStart(9)} images/s  (${m.note})`);
    }
    const fast = results.get('fast wasm')?.imagesPerSecond ?? null;
    const ratio = (p: Path) => {
      const v = results.get(p)?.imagesPerSecond ?? null;
      return fast !== null && v !== null ? `${(fast / v).toFixed(1)}x` : 'n/a';
    };
    console.log(`  fast wasm vs stock cpu: ${ratio('stock cpu')}, vs stock wasm: ${ratio('stock wasm')}, vs fast wasm on 1 thread: ${ratio('fast wasm 1 thread')}`);
    if (fast !== null) console.log(`  fast wasm achieves ${((fast * trainingFlopsPerImage(spec)) / 1e9).toFixed(2)} GFLOP/s`);
  }
}
