import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOneLineError, kfkd, kfkdWithEnv } from './testing/kfkd-process.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kfkd-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('kfkd synth and inspect', () => {
  it('writes a training set into a new directory and summarises it', async () => {
    const out = join(dir, 'nested', 'training.csv');
    const synth = await kfkd('synth', '--rows', '40', '--seed', '7', '--out', out);
    expect(synth.code).toBe(0);
    expect(synth.stdout).toMatch(/40 training faces, seed 7/);

    const grid = join(dir, 'grid', 'faces.png');
    const inspect = await kfkd('inspect', out, '--grid', grid);
    expect(inspect.code).toBe(0);
    expect(inspect.stdout).toMatch(/training format, 40 rows/);
    expect(inspect.stdout).toMatch(/^left_eye_center_x\s+40\s+\d+\.\d{3}$/m);
    expect(inspect.stdout).toMatch(/^Image\s+40$/m);
    expect(inspect.stdout).toMatch(/complete rows \(all 30 keypoints\): \d+ of 40/);
    const png = await readFile(grid);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  });

  it('writes the test format with a matching lookup table', async () => {
    const out = join(dir, 'test.csv');
    const synth = await kfkd('synth', '--test', '--rows', '5', '--out', out);
    expect(synth.code).toBe(0);
    const lookup = (await readFile(join(dir, 'IdLookupTable.csv'), 'utf8')).trim().split('\n');
    expect(lookup[0]).toBe('RowId,ImageId,FeatureName,Location');
    const inspect = await kfkd('inspect', out);
    expect(inspect.stdout).toMatch(/test format, 5 rows/);
  });

  it('the same seed writes the same file', async () => {
    const a = join(dir, 'a.csv');
    const b = join(dir, 'b.csv');
    await kfkd('synth', '--rows', '6', '--seed', '3', '--out', a);
    await kfkd('synth', '--rows', '6', '--seed', '3', '--out', b);
    expect((await readFile(a)).equals(await readFile(b))).toBe(true);
  });
});

describe('kfkd errors and help', () => {
  it('reports a bad file in one line naming file, line and column, with a non-zero exit', async () => {
    const bad = join(dir, 'bad.csv');
    await writeFile(bad, 'ImageId,Image\n1,1 2 3\n');
    expectOneLineError(await kfkd('inspect', bad), /bad\.csv:2: column Image: .*9216/);
  });

  it('reports a missing file clearly', async () => {
    expectOneLineError(await kfkd('inspect', join(dir, 'nope.csv')), /nope\.csv/);
  });

  it('rejects a malformed flag value', async () => {
    const result = await kfkd('synth', '--rows', 'many');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--rows.*expected an integer/);
  });

  it('--help lists every flag with its default and environment variable', async () => {
    const result = await kfkd('synth', '--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/--rows <n>[\s\S]*default: 2000[\s\S]*env: KFKD_ROWS/);
    expect(result.stdout).toMatch(/--seed <n>[\s\S]*default: 42/);
  });

  it('takes a flag from its KFKD_ environment variable', async () => {
    const out = join(dir, 'env.csv');
    const { stdout } = await kfkdWithEnv({ KFKD_ROWS: '3' }, 'synth', '--out', out);
    expect(stdout).toMatch(/3 training faces/);
  });
});
