import * as tf from '@tensorflow/tfjs';
import { selectBackend, GradientComputer, netSpec } from '../libs/model/src/index.ts';
import { randomBatch } from '../libs/model/src/test-fixtures.ts';

const net = process.argv[2] ?? 'net2';
const n = Number(process.argv[3] ?? 128);
const mode = (process.argv[4] ?? 'im2col') as 'im2col' | 'native';
console.log(await selectBackend('wasm').then((i) => i.message));
const gc = new GradientComputer(netSpec(net), { seed: 1, convolution: mode });
const b = randomBatch(n, 30, 3);
gc.computeGradients(b);
let t = performance.now();
gc.computeGradients(b);
console.log('step', (performance.now() - t).toFixed(0), 'ms', (n / ((performance.now() - t) / 1000)).toFixed(1), 'img/s');
t = performance.now();
gc.predict(b.pixels);
console.log('predict', (performance.now() - t).toFixed(0), 'ms');
const prof = await tf.profile(() => { gc.computeGradients(b); });
const agg = new Map<string, number>();
for (const k of prof.kernels) {
  const key = `${k.name} ${JSON.stringify(k.inputShapes)}`;
  agg.set(key, (agg.get(key) ?? 0) + (k.kernelTimeMs as number));
}
const rows = [...agg].sort((a, b) => b[1] - a[1]).slice(0, 40);
for (const [k, v] of rows) console.log(v.toFixed(1).padStart(8), k);
