import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOneLineError, kfkd } from '../testing/kfkd-process.ts';
import { DEFAULT_HEIGHT, DEFAULT_WIDTH } from '../plot/chart.ts';
import { fakeRecords, writeFakeRun } from '../plot/testing.ts';

let dir: string;
let net1: string;
let net2: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kfkd-plot-'));
  net1 = await writeFakeRun(dir, 'net1', fakeRecords(12));
  net2 = await writeFakeRun(dir, 'net2', fakeRecords(20, 0.03, 0.001));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('kfkd plot', () => {
  it('draws several runs into a PNG in a new directory, leaving no temporary file', async () => {
    const out = join(dir, 'charts', 'nested', 'curves.png');
    const result = await kfkd('plot', '--history', net1, join(net2, 'history.jsonl'), '--out', out);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^wrote .*curves\.png: train and valid loss of 2 runs on a log axis/);
    expect(result.stdout).toMatch(/^ {2}net1\s+12 epochs {2}best valid loss \d\.\d+(e-\d+)? at epoch 12$/m);
    expect(result.stdout).toMatch(/^ {2}net2\s+20 epochs/m);
    const png = PNG.sync.read(await readFile(out));
    expect([png.width, png.height]).toEqual([DEFAULT_WIDTH, DEFAULT_HEIGHT]);
    expect(await readdir(join(dir, 'charts', 'nested'))).toEqual(['curves.png']);
  });

  it('plots RMSE in pixels with --metric rmse', async () => {
    const out = join(dir, 'rmse.png');
    const result = await kfkd('plot', '--history', net1, '--metric', 'rmse', '--out', out);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/train and valid RMSE of 1 run on a log axis/);
    expect(result.stdout).toMatch(/best valid RMSE \d+\.\d{3} px at epoch \d+/);
    expect((await readFile(out)).subarray(1, 4).toString('latin1')).toBe('PNG');
  });

  it('reports a missing run directory in one line', async () => {
    const result = await kfkd('plot', '--history', net1, join(dir, 'no-such-run'), '--out', join(dir, 'x.png'));
    expectOneLineError(result, /^kfkd: .*no-such-run: no such run directory or history file$/m);
  });

  it('reports a directory without history.jsonl in one line', async () => {
    const notRun = join(dir, 'not-a-run');
    await mkdir(notRun, { recursive: true });
    const result = await kfkd('plot', '--history', notRun, '--out', join(dir, 'x.png'));
    expectOneLineError(result, /not-a-run: no history\.jsonl here/);
  });

  it('reports a corrupt history with its file and line', async () => {
    const corrupt = await writeFakeRun(dir, 'corrupt', '{"epoch":1,"train_loss":0.1,"valid_loss":0.1}\n{"epoch":2,');
    const result = await kfkd('plot', '--history', corrupt, '--out', join(dir, 'x.png'));
    expectOneLineError(result, /corrupt\/history\.jsonl:1: corrupt history: field train_valid_ratio is missing or not a number/);
  });

  it('reports an empty history', async () => {
    const fresh = await writeFakeRun(dir, 'fresh', '');
    const result = await kfkd('plot', '--history', fresh, '--out', join(dir, 'x.png'));
    expectOneLineError(result, /fresh\/history\.jsonl: the history is empty: no epoch has finished yet/);
    expect(await readdir(dir)).not.toContain('x.png');
  });

  it('rejects an unknown metric and a missing --history', async () => {
    const metric = await kfkd('plot', '--history', net1, '--metric', 'accuracy');
    expect(metric.code).not.toBe(0);
    expect(metric.stderr).toMatch(/--metric.*'accuracy' is invalid.*loss, rmse/);
    const history = await kfkd('plot', '--out', join(dir, 'x.png'));
    expect(history.code).not.toBe(0);
    expect(history.stderr).toMatch(/required option '--history <dir\.\.\.>' not specified/);
  });
});
