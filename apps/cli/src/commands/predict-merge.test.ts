/**
 * `kfkd predict` with several models: tiny models trained for one epoch on
 * synthetic faces (a dense general net and conv specialists, so inputs of
 * both shapes), merged into the 30 columns, each column checked against the
 * prediction of the model that should supply it, alone, on the same faces.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOneLineError, kfkd } from '../testing/kfkd-process.ts';

/** The 15 keypoints in Kaggle order, split in two specialists' groups that together cover all 30 columns. */
const FIRST_SEVEN = 'left_eye_center,right_eye_center,left_eye_inner_corner,left_eye_outer_corner,right_eye_inner_corner,right_eye_outer_corner,left_eyebrow_inner_end';
const LAST_EIGHT = 'left_eyebrow_outer_end,right_eyebrow_inner_end,right_eyebrow_outer_end,nose_tip,mouth_left_corner,mouth_right_corner,mouth_center_top_lip,mouth_center_bottom_lip';
const ONE_EPOCH = ['--epochs', '1', '--batch', '16', '--backend', 'cpu'];
// The pure-JavaScript backend computes the same floats every time, so merged and single predictions compare exactly.
const BACKEND = ['--backend', 'cpu'];

let dir: string;
let test: string;
let lookup: string;
/** Run directories by role. */
const model = { general: '', eyes: '', first7: '', last8: '' };
/** Each model's own predictions CSV of the test faces, by role. */
const alone: Record<keyof typeof model, Table> = { general: emptyTable(), eyes: emptyTable(), first7: emptyTable(), last8: emptyTable() };

interface Table {
  header: string[];
  rows: string[][];
}

function emptyTable(): Table {
  return { header: [], rows: [] };
}

async function readTable(file: string): Promise<Table> {
  const [header, ...rows] = (await readFile(file, 'utf8')).trim().split('\n').map((l) => l.split(','));
  return { header, rows };
}

/** A column of a table, as the text written. */
function column(table: Table, name: string): string[] {
  const at = table.header.indexOf(name);
  expect(at, `column ${name} in ${table.header.join(',')}`).toBeGreaterThanOrEqual(0);
  return table.rows.map((r) => r[at]);
}

async function expectAbsent(file: string): Promise<void> {
  await expect(readFile(file)).rejects.toThrow(/ENOENT/);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kfkd-merge-'));
  const training = join(dir, 'training.csv');
  test = join(dir, 'test', 'test.csv');
  lookup = join(dir, 'test', 'IdLookupTable.csv');
  expect((await kfkd('synth', '--rows', '60', '--label-all', '1', '--out', training)).code).toBe(0);
  expect((await kfkd('synth', '--test', '--rows', '12', '--seed', '3', '--out', test)).code).toBe(0);
  for (const role of Object.keys(model) as (keyof typeof model)[]) model[role] = join(dir, role);
  const trainings: string[][] = [
    ['--net', 'net1', '--run-dir', model.general],
    // The tutorial's specialist 1 (eye centres), trained with its flips.
    ['--net', 'tinyconv-dropout-flip-test-specialist-1', '--run-dir', model.eyes],
    ['--net', 'tinyconv-test', '--cols', FIRST_SEVEN, '--run-dir', model.first7],
    ['--net', 'tinyconv-test', '--cols', LAST_EIGHT, '--run-dir', model.last8],
  ];
  // Two at a time: this machine has two cores.
  for (let i = 0; i < trainings.length; i += 2) {
    const results = await Promise.all(trainings.slice(i, i + 2).map((args) => kfkd('train', ...args, ...ONE_EPOCH, '--data', training)));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
  }
  for (const role of Object.keys(model) as (keyof typeof model)[]) {
    const out = join(dir, 'alone', `${role}.csv`);
    const result = await kfkd('predict', '--model', model[role], '--data', test, '--out', out, ...BACKEND);
    expect(result.code, result.stderr).toBe(0);
    alone[role] = await readTable(out);
  }
}, 300_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('kfkd predict with several models', () => {
  it('merges specialists into the 30 Kaggle columns, each from its specialist, and submits the merged values', async () => {
    const out = join(dir, 'specialists');
    const result = await kfkd(
      'predict', '--model', model.first7, model.last8, '--data', test, '--out', join(out, 'preds.csv'),
      '--lookup', lookup, '--submission', join(out, 'submission.csv'), '--grid', join(out, 'grid.png'), ...BACKEND,
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/merging 2 models into the 30 keypoint columns/);
    const merged = await readTable(join(out, 'preds.csv'));
    expect(merged.header).toEqual(['ImageId', ...alone.first7.header.slice(1), ...alone.last8.header.slice(1)]);
    expect(merged.header).toHaveLength(31);
    expect(column(merged, 'ImageId')).toEqual(column(alone.first7, 'ImageId'));
    for (const c of alone.first7.header.slice(1)) expect(column(merged, c), c).toEqual(column(alone.first7, c));
    for (const c of alone.last8.header.slice(1)) expect(column(merged, c), c).toEqual(column(alone.last8, c));

    // Every submission row is the merged prediction of its ImageId and FeatureName, in lookup order.
    const lookupRows = (await readFile(lookup, 'utf8')).trim().split('\n').slice(1).map((l) => l.split(','));
    const submission = (await readFile(join(out, 'submission.csv'), 'utf8')).trim().split('\n');
    expect(submission[0]).toBe('RowId,Location');
    expect(submission).toHaveLength(lookupRows.length + 1);
    const rowOfImage = new Map(column(merged, 'ImageId').map((id, r) => [id, r]));
    lookupRows.forEach(([rowId, imageId, feature], i) => {
      expect(submission[i + 1]).toBe(`${rowId},${merged.rows[rowOfImage.get(imageId)!][merged.header.indexOf(feature)]}`);
    });
    expect((await readFile(join(out, 'grid.png'))).subarray(1, 4).toString('latin1')).toBe('PNG');
  });

  it('lets specialists win on their columns over a --fallback general net of another input shape, which supplies the rest', async () => {
    const out = join(dir, 'fallback.csv');
    const result = await kfkd('predict', '--fallback', model.general, '--model', model.eyes, '--model', model.last8, '--data', test, '--out', out, ...BACKEND);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${model.eyes} (tinyconv-dropout-flip-test-specialist-1): left_eye_center, right_eye_center`);
    expect(result.stdout).toContain(`${model.general} (net1, fallback): left_eye_inner_corner, left_eye_outer_corner, right_eye_inner_corner, right_eye_outer_corner, left_eyebrow_inner_end`);
    const merged = await readTable(out);
    expect(merged.header).toEqual(alone.general.header);
    const fromEyes = alone.eyes.header.slice(1);
    const fromLast8 = alone.last8.header.slice(1);
    expect(fromEyes).toEqual(['left_eye_center_x', 'left_eye_center_y', 'right_eye_center_x', 'right_eye_center_y']);
    for (const c of merged.header.slice(1)) {
      const source = fromEyes.includes(c) ? alone.eyes : fromLast8.includes(c) ? alone.last8 : alone.general;
      expect(column(merged, c), c).toEqual(column(source, c));
    }
    // The general net's own eye centres differ from the specialist's: the specialist's were taken.
    expect(column(alone.general, 'left_eye_center_x')).not.toEqual(column(alone.eyes, 'left_eye_center_x'));
  });

  it('refuses models that leave columns uncovered, naming the columns, and writes nothing', async () => {
    const out = join(dir, 'uncovered.csv');
    const result = await kfkd('predict', '--model', model.eyes, model.last8, '--data', test, '--out', out, ...BACKEND);
    expectOneLineError(result, /no model given predicts left_eye_inner_corner_x, left_eye_inner_corner_y, .*, left_eyebrow_inner_end_y \(10 columns\): the 2 models together must predict all 30 keypoint columns/);
    expect(result.stderr).not.toMatch(/nose_tip|left_eye_center/);
    await expectAbsent(out);
  });

  it('refuses two models predicting the same columns, naming the models and the columns', async () => {
    const out = join(dir, 'overlap.csv');
    const three = await kfkd('predict', '--model', model.first7, model.last8, model.eyes, '--data', test, '--out', out, ...BACKEND);
    expectOneLineError(three, new RegExp(`${model.first7} and ${model.eyes} both predict left_eye_center_x, left_eye_center_y, right_eye_center_x, right_eye_center_y \\(4 columns\\): each column must come from one model`));
    // The general net given as one more --model, not as the fallback: the error says how to let the specialist win.
    const general = await kfkd('predict', '--model', model.general, model.eyes, '--data', test, '--out', out, ...BACKEND);
    expectOneLineError(general, new RegExp(`${model.general} and ${model.eyes} both predict .*--fallback`));
    await expectAbsent(out);
  });

  it('refuses a submission asking for columns the model does not predict, before writing anything', async () => {
    const out = join(dir, 'partial');
    const result = await kfkd(
      'predict', '--model', model.eyes, '--data', test, '--out', join(out, 'preds.csv'), '--lookup', lookup, '--submission', join(out, 'submission.csv'), ...BACKEND,
    );
    expectOneLineError(result, /no model given predicts left_eye_inner_corner_x, .*mouth_center_bottom_lip_y \(26 columns\): .*IdLookupTable\.csv asks for them/);
    await expectAbsent(join(out, 'preds.csv'));
  });

  it('refuses a missing model among several in one line', async () => {
    const out = join(dir, 'missing.csv');
    expectOneLineError(await kfkd('predict', '--model', model.first7, join(dir, 'no-such-run'), '--data', test, '--out', out), /no-such-run.*does not exist/);
    await expectAbsent(out);
  });
});
