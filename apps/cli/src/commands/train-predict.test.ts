import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOneLineError, kfkd } from '../testing/kfkd-process.ts';

// A short but real training run of net1 with the tutorial's own learning rate
// and momentum. net1 learns slowly (the tutorial ran it for 400 epochs to reach
// 0.88x the mean predictor), so it gets 1,200 fully labelled faces and small
// batches: 60 epochs of 38 steps reach about 0.8x here.
const NET1_EPOCHS = 60;
const NET1_RUN = ['--net', 'net1', '--epochs', String(NET1_EPOCHS), '--batch', '32', '--backend', 'auto'];

let dir: string;
let training: string;
let runDir: string;
let trainOutput: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kfkd-train-'));
  training = join(dir, 'training.csv');
  const synth = await kfkd('synth', '--rows', '1500', '--label-all', '1', '--out', training);
  expect(synth.code).toBe(0);
  runDir = join(dir, 'run-net1');
  const result = await kfkd('train', ...NET1_RUN, '--data', training, '--run-dir', runDir);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  trainOutput = result.stdout;
}, 900_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The epoch table's rows as numbers: [epoch, train, valid, ratio]. */
function tableRows(stdout: string): number[][] {
  return stdout
    .split('\n')
    .filter((line) => /^\s+\d+ \|/.test(line))
    .map((line) => line.split('|').slice(0, 4).map((cell) => Number(cell.trim())));
}

describe('kfkd train', () => {
  it('prints the backend, one table row per epoch, and beats the mean-keypoint predictor', () => {
    expect(trainOutput).toMatch(/^using tfjs backend '\w+'/m);
    expect(trainOutput).toMatch(/Epoch \|\s+Train loss \|\s+Valid loss \| Train\/Val \|\s+Dur/);
    const rows = tableRows(trainOutput);
    expect(rows.map((r) => r[0])).toEqual(Array.from({ length: NET1_EPOCHS }, (_, i) => i + 1));
    const [, rmse, baseline] = /valid RMSE ([\d.]+) px \(mean-keypoint predictor: ([\d.]+) px\)/.exec(trainOutput)!.map(Number);
    expect(rmse).toBeLessThan(0.9 * baseline);
  });

  it('writes the config, the full history and a loadable model into the run directory', async () => {
    const history = (await readFile(join(runDir, 'history.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    const rows = tableRows(trainOutput);
    expect(history).toHaveLength(rows.length);
    history.forEach((h, i) => {
      expect(h.epoch).toBe(i + 1);
      expect(h.train_loss.toFixed(6)).toBe(rows[i][1].toFixed(6));
      expect(h.valid_loss.toFixed(6)).toBe(rows[i][2].toFixed(6));
      expect(h.lr).toBeCloseTo(0.01, 6);
      expect(h.momentum).toBeCloseTo(0.9, 6);
      expect(h.seconds).toBeGreaterThan(0);
    });
    const config = JSON.parse(await readFile(join(runDir, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({ net: 'net1', epochs: NET1_EPOCHS, batchSize: 32, seed: 42, trainRows: 1200, validRows: 300 });
    expect((await readdir(join(runDir, 'model'))).sort()).toEqual(['kfkd-spec.json', 'model.json', 'weights.bin']);
  });
});

describe('kfkd predict', () => {
  it('writes predictions, a Kaggle submission in lookup order and a face grid', async () => {
    const test = join(dir, 'test', 'test.csv');
    expect((await kfkd('synth', '--test', '--rows', '12', '--seed', '3', '--out', test)).code).toBe(0);
    const out = join(dir, 'out');
    const result = await kfkd(
      'predict', '--model', runDir, '--data', test, '--out', join(out, 'preds.csv'),
      '--lookup', join(dir, 'test', 'IdLookupTable.csv'), '--submission', join(out, 'submission.csv'), '--grid', join(out, 'grid.png'),
    );
    expect(result.code).toBe(0);
    const preds = (await readFile(join(out, 'preds.csv'), 'utf8')).trim().split('\n');
    expect(preds[0].split(',')).toHaveLength(31);
    expect(preds[0]).toMatch(/^ImageId,left_eye_center_x,left_eye_center_y,/);
    expect(preds.slice(1).map((l) => Number(l.split(',')[0]))).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    for (const line of preds.slice(1)) {
      for (const v of line.split(',').slice(1).map(Number)) expect(v >= 0 && v <= 96).toBe(true);
    }
    const lookup = (await readFile(join(dir, 'test', 'IdLookupTable.csv'), 'utf8')).trim().split('\n');
    const submission = (await readFile(join(out, 'submission.csv'), 'utf8')).trim().split('\n');
    expect(submission[0]).toBe('RowId,Location');
    expect(submission.slice(1).map((l) => l.split(',')[0])).toEqual(lookup.slice(1).map((l) => l.split(',')[0]));
    const png = await readFile(join(out, 'grid.png'));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  });

  it('refuses a missing or corrupt model in one line and writes nothing', async () => {
    const out = join(dir, 'never.csv');
    expectOneLineError(await kfkd('predict', '--model', join(dir, 'no-such-run'), '--data', training, '--out', out), /no-such-run.*does not exist/);
    const corrupt = join(dir, 'corrupt');
    await mkdir(corrupt);
    await writeFile(join(corrupt, 'model.json'), '{ not json');
    await writeFile(join(corrupt, 'kfkd-spec.json'), '{ not json');
    expectOneLineError(await kfkd('predict', '--model', corrupt, '--data', training, '--out', out), /corrupt.*kfkd-spec\.json/);
    await expect(readFile(out)).rejects.toThrow(/ENOENT/);
  });
});

describe('kfkd train errors', () => {
  it('lists the known nets for an unknown name', async () => {
    expectOneLineError(await kfkd('train', '--net', 'net9', '--data', training, '--run-dir', join(dir, 'x')), /unknown net 'net9'; known nets: net1, net2/);
  });

  it('refuses a test-format file as training data', async () => {
    const test = join(dir, 'test', 'test.csv');
    expectOneLineError(await kfkd('train', '--data', test, '--run-dir', join(dir, 'y')), /test\.csv.*training/);
  });

  it('refuses keypoints that do not exist', async () => {
    expectOneLineError(await kfkd('train', '--cols', 'nose_tipp', '--data', training, '--run-dir', join(dir, 'z')), /nose_tipp/);
  });
});

describe('a tiny conv net', () => {
  it('trains on the pure-JavaScript cpu backend', async () => {
    const small = join(dir, 'small.csv');
    expect((await kfkd('synth', '--rows', '60', '--label-all', '1', '--out', small)).code).toBe(0);
    const result = await kfkd('train', '--net', 'tinyconv-test', '--epochs', '2', '--batch', '16', '--backend', 'cpu', '--data', small, '--run-dir', join(dir, 'run-tiny'));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(tableRows(result.stdout)).toHaveLength(2);
    for (const [, train, valid] of tableRows(result.stdout)) expect(Number.isFinite(train) && Number.isFinite(valid)).toBe(true);
  });
});
