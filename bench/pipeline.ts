/**
 * `npm run bench -- pipeline [--rows 1000] [--net net2] [--epochs 2] [--specialist-epochs 2] [--batch 128] [--workers 1,2]`
 *
 * The tutorial's whole pipeline (`kfkd pipeline --local-workers N`: the
 * general net, the six specialists side by side, the merge) on synthetic
 * faces, with shortened epochs, once per worker count, each worker on one
 * wasm thread (KFKD_WASM_THREADS=1, as compute.ts's 1-thread path): the
 * wall time of the whole command and of its phases (from its last line),
 * and the speed-up over the first count. Then, on the validation rows, the
 * RMSE in pixels of the merged predictions against the general net alone
 * and the mean-keypoint predictor.
 *
 * Every row of the data labels all 30 columns (`kfkd synth --label-all 1`),
 * so that the seven nets share one train/validation split: the merged
 * predictions are scored on rows none of the nets trained on. (With
 * Kaggle's missing labels each specialist trains on more rows than the
 * general net, the tutorial's point, but its split is its own.)
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KEYPOINT_COLUMNS, readTrainingCsv, unscaleTargets, writeTrainingCsv } from '@kfkd/data';
import { meanPredictorLoss, netSpec, prepareTrainingData, rmsePx } from '@kfkd/model';

const KFKD = fileURLToPath(new URL('../apps/cli/bin/kfkd.js', import.meta.url));

interface Options {
  rows: number;
  net: string;
  epochs: number;
  specialistEpochs: number;
  batch: number;
  workers: number[];
}

function parse(args: string[]): Options {
  const o: Options = { rows: 1000, net: 'net2', epochs: 2, specialistEpochs: 2, batch: 128, workers: [1, 2] };
  for (let i = 0; i < args.length; i += 2) {
    const v = args[i + 1];
    switch (args[i]) {
      case '--rows':
        o.rows = Number(v);
        break;
      case '--net':
        o.net = v;
        break;
      case '--epochs':
        o.epochs = Number(v);
        break;
      case '--specialist-epochs':
        o.specialistEpochs = Number(v);
        break;
      case '--batch':
        o.batch = Number(v);
        break;
      case '--workers':
        o.workers = v.split(',').map(Number);
        break;
      default:
        throw new Error(`unknown option ${args[i]}`);
    }
  }
  return o;
}

function kfkdSync(args: string[]): void {
  const r = spawnSync(process.execPath, [KFKD, ...args], { encoding: 'utf8', env: { ...process.env, KFKD_WASM_THREADS: '1' } });
  if (r.status !== 0) throw new Error(`kfkd ${args[0]} failed (${r.status}):\n${r.stderr}`);
}

interface Timing {
  readonly seconds: number;
  /** "general net 12.3 s, specialists 45.6 s, merge 0.7 s", as the pipeline's last line says. */
  readonly phases: Record<string, number>;
}

/** Runs the pipeline with `workers` local workers, one wasm thread each; resolves with its wall time and phases. */
function runPipeline(args: string[], workers: number): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [KFKD, 'pipeline', '--local-workers', String(workers), ...args], {
      env: { ...process.env, KFKD_WASM_THREADS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0) return reject(new Error(`kfkd pipeline exited ${code}:\n${stderr.slice(-4000)}`));
      const line = /^pipeline complete in [\d.]+ s: (.*)$/m.exec(stdout);
      const phases: Record<string, number> = {};
      for (const part of line?.[1].split(', ') ?? []) {
        const m = /^(.*) ([\d.]+) s$/.exec(part);
        if (m) phases[m[1]] = Number(m[2]);
      }
      resolve({ seconds, phases });
    });
  });
}

/** RMSE in pixels of a predictions CSV (ImageId + 30 columns, in rows' order) against targets in pixels. */
async function rmseOf(file: string, targets: Float32Array): Promise<number> {
  const [header, ...rows] = (await readFile(file, 'utf8')).trim().split('\n');
  const columns = header.split(',').slice(1);
  if (columns.join() !== KEYPOINT_COLUMNS.join()) throw new Error(`${file}: expected the 30 keypoint columns, got ${columns.join()}`);
  let sum = 0;
  rows.forEach((row, r) => {
    const values = row.split(',').slice(1).map(Number);
    values.forEach((v, c) => (sum += (v - targets[r * 30 + c]) ** 2));
  });
  return Math.sqrt(sum / (rows.length * 30));
}

export async function pipeline(args: string[]): Promise<void> {
  const o = parse(args);
  const dir = await mkdtemp(join(tmpdir(), 'kfkd-bench-pipeline-'));
  try {
    const data = join(dir, 'training.csv');
    kfkdSync(['synth', '--rows', String(o.rows), '--label-all', '1', '--out', data]);
    // The validation rows every net of the pipeline leaves out (one split: every row is complete), with their labels.
    const prepared = prepareTrainingData(await readTrainingCsv(data), netSpec(o.net), 42);
    const valid = join(dir, 'valid.csv');
    await writeTrainingCsv(valid, prepared.valid.pixels, unscaleTargets(prepared.valid.targets));
    const validTargets = unscaleTargets(prepared.valid.targets);
    console.log(
      `kfkd pipeline --net ${o.net} --epochs ${o.epochs} --specialist-epochs ${o.specialistEpochs} --batch ${o.batch}: ` +
        `${o.rows} synthetic faces (${prepared.train.rows} train / ${prepared.valid.rows} valid), workers on 1 wasm thread each`,
    );

    const timings: Timing[] = [];
    let last = '';
    for (const workers of o.workers) {
      const runDir = join(dir, `workers-${workers}`);
      const flags = ['--net', o.net, '--data', data, '--epochs', String(o.epochs), '--specialist-epochs', String(o.specialistEpochs), '--batch', String(o.batch)];
      timings.push(await runPipeline([...flags, '--backend', 'wasm', '--test', valid, '--run-dir', runDir], workers));
      last = runDir;
    }
    const phaseNames = Object.keys(timings[0].phases);
    const cell = (s: string, w = 14): string => s.padStart(w);
    console.log('');
    console.log(['workers'.padEnd(8), cell('whole'), ...phaseNames.map((p) => cell(p)), cell('speed-up')].join(' '));
    timings.forEach((t, i) => {
      const row = [String(o.workers[i]).padEnd(8), cell(`${t.seconds.toFixed(1)} s`), ...phaseNames.map((p) => cell(`${(t.phases[p] ?? NaN).toFixed(1)} s`))];
      console.log([...row, cell(`${(timings[0].seconds / t.seconds).toFixed(2)}x`)].join(' '));
    });

    // Scored on the last run (the nets are the same whatever the worker count, up to float rounding).
    const generalAlone = join(dir, 'general.csv');
    kfkdSync(['predict', '--model', join(last, 'general'), '--data', valid, '--out', generalAlone, '--backend', 'wasm']);
    const merged = await rmseOf(join(last, 'predictions.csv'), validTargets);
    const general = await rmseOf(generalAlone, validTargets);
    const mean = rmsePx(meanPredictorLoss(prepared));
    console.log('');
    console.log(`valid RMSE on the ${prepared.valid.rows} validation rows, 30 columns:`);
    console.log(`  merged (six specialists)   ${merged.toFixed(3)} px`);
    console.log(`  general net alone          ${general.toFixed(3)} px  (merged / general: ${(merged / general).toFixed(3)})`);
    console.log(`  mean-keypoint predictor    ${mean.toFixed(3)} px`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
