import { KEYPOINT_COLUMNS } from '@kfkd/data';
import { describe, expect, it } from 'vitest';
import { InvalidSpecError, OverlappingModelsError, UncoveredColumnsError } from './errors.ts';
import { SPECIALIST_GROUPS } from './net-specs/specialists.ts';
import { type ModelColumns, assertCovers, mergeOutputs, planMerge } from './prediction-merge.ts';

const columnsOf = (keypoints: readonly string[]): string[] => keypoints.flatMap((k) => [`${k}_x`, `${k}_y`]);
/** The tutorial's six specialists, each predicting its group in the table's order (not Kaggle's). */
const SPECIALISTS: ModelColumns[] = SPECIALIST_GROUPS.map((g) => ({ label: `runs/s${g.index}`, columns: columnsOf(g.keypoints) }));
const GENERAL: ModelColumns = { label: 'runs/final', columns: KEYPOINT_COLUMNS };

/** The label of the model each output column comes from. */
function sourceLabels(plan: ReturnType<typeof planMerge>): Record<string, string> {
  return Object.fromEntries(plan.columns.map((c, i) => [c, plan.models[plan.sources[i].model].label]));
}

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

describe('planMerge', () => {
  it('keeps one model\'s own columns in its own order', () => {
    const eyes = SPECIALISTS[4];
    const plan = planMerge({ models: [eyes] });
    expect(plan.columns).toEqual(eyes.columns);
    expect(plan.sources).toEqual(eyes.columns.map((_, output) => ({ model: 0, output })));
  });

  it('merges the six specialists into the 30 Kaggle columns, each from its specialist', () => {
    const plan = planMerge({ models: SPECIALISTS });
    expect(plan.columns).toEqual(KEYPOINT_COLUMNS);
    const labels = sourceLabels(plan);
    for (const s of SPECIALISTS) for (const c of s.columns) expect(labels[c]).toBe(s.label);
    // Specialist 5's columns are in the table's order: left inner, right inner, left outer, right outer.
    const at = plan.columns.indexOf('left_eye_outer_corner_y');
    expect(plan.sources[at]).toEqual({ model: 4, output: 5 });
    expect(plan.supplied.map((s) => s.length)).toEqual([4, 2, 6, 2, 8, 8]);
  });

  it('lets specialists win on their columns over the fallback, which supplies the rest', () => {
    const plan = planMerge({ models: [SPECIALISTS[0], SPECIALISTS[1]], fallback: GENERAL });
    expect(plan.hasFallback).toBe(true);
    const labels = sourceLabels(plan);
    expect(labels.left_eye_center_x).toBe('runs/s1');
    expect(labels.nose_tip_y).toBe('runs/s2');
    expect(labels.mouth_left_corner_x).toBe('runs/final');
    expect(plan.supplied[2]).toHaveLength(24);
    expect(plan.sources[plan.columns.indexOf('mouth_left_corner_x')]).toEqual({ model: 2, output: KEYPOINT_COLUMNS.indexOf('mouth_left_corner_x') });
  });

  it('leaves a fallback every column of which is overridden with nothing to supply', () => {
    const plan = planMerge({ models: SPECIALISTS, fallback: GENERAL });
    expect(plan.supplied.at(-1)).toEqual([]);
    expect(new Set(plan.sources.map((s) => s.model)).has(6)).toBe(false);
  });

  it('a fallback needs not predict all 30 columns if the others fill the gap', () => {
    const fourKeypoints = { label: 'runs/net1', columns: columnsOf(['left_eye_center', 'right_eye_center', 'nose_tip', 'mouth_center_bottom_lip']) };
    const plan = planMerge({ models: [SPECIALISTS[2], SPECIALISTS[4], SPECIALISTS[5], SPECIALISTS[1]], fallback: fourKeypoints });
    expect(sourceLabels(plan).nose_tip_x).toBe('runs/s2');
    expect(sourceLabels(plan).left_eye_center_x).toBe('runs/net1');
  });

  it('refuses specialists that leave columns uncovered, naming those columns', () => {
    const error = thrown(() => planMerge({ models: SPECIALISTS.filter((s) => s.label !== 'runs/s2' && s.label !== 'runs/s4') }));
    expect(error).toBeInstanceOf(UncoveredColumnsError);
    expect((error as UncoveredColumnsError).columns).toEqual(['nose_tip_x', 'nose_tip_y', 'mouth_center_bottom_lip_x', 'mouth_center_bottom_lip_y']);
    expect(error.message).toMatch(/^no model given predicts nose_tip_x, nose_tip_y, mouth_center_bottom_lip_x, mouth_center_bottom_lip_y \(4 columns\): the 4 models together must predict all 30/);
    expect(error.message).toMatch(/--fallback/);
  });

  it('refuses a fallback that does not fill the gap either', () => {
    const noses = { label: 'runs/noses', columns: columnsOf(['nose_tip']) };
    const error = thrown(() => planMerge({ models: [SPECIALISTS[0]], fallback: noses }));
    expect(error).toBeInstanceOf(UncoveredColumnsError);
    expect((error as UncoveredColumnsError).columns).toHaveLength(24);
  });

  it('refuses two models predicting the same columns, naming the models and the columns', () => {
    const eyes = { label: 'runs/eyes', columns: columnsOf(['left_eye_center', 'left_eye_inner_corner']) };
    const error = thrown(() => planMerge({ models: [...SPECIALISTS, eyes] }));
    expect(error).toBeInstanceOf(OverlappingModelsError);
    expect((error as OverlappingModelsError).overlaps).toEqual([
      { models: ['runs/s1', 'runs/eyes'], columns: ['left_eye_center_x', 'left_eye_center_y'] },
      { models: ['runs/s5', 'runs/eyes'], columns: ['left_eye_inner_corner_x', 'left_eye_inner_corner_y'] },
    ]);
    expect(error.message).toMatch(/^runs\/s1 and runs\/eyes both predict left_eye_center_x, left_eye_center_y; runs\/s5 and runs\/eyes both predict left_eye_inner_corner_x, left_eye_inner_corner_y: each column must come from one model/);
  });

  it('refuses a general net given as one more model, pointing at --fallback', () => {
    const error = thrown(() => planMerge({ models: [GENERAL, SPECIALISTS[1]] }));
    expect(error).toBeInstanceOf(OverlappingModelsError);
    expect(error.message).toMatch(/^runs\/final and runs\/s2 both predict nose_tip_x, nose_tip_y: .*--fallback/);
  });

  it('names three models predicting the same columns', () => {
    const error = thrown(() => planMerge({ models: [SPECIALISTS[1], SPECIALISTS[1], { ...SPECIALISTS[1], label: 'runs/other' }] }));
    expect(error.message).toMatch(/^runs\/s2 and runs\/s2 and runs\/other all predict nose_tip_x, nose_tip_y:/);
  });

  it('refuses a merged model with a column that is not a Kaggle column', () => {
    const odd = { label: 'runs/odd', columns: ['nose_tip_z'] };
    expect(() => planMerge({ models: [odd, GENERAL] })).toThrow(InvalidSpecError);
    expect(() => planMerge({ models: [odd, GENERAL] })).toThrow(/runs\/odd.*nose_tip_z/);
  });
});

describe('assertCovers', () => {
  it('accepts a plan that has every column asked for', () => {
    expect(() => assertCovers(planMerge({ models: SPECIALISTS }), KEYPOINT_COLUMNS, 'IdLookupTable.csv')).not.toThrow();
  });

  it('names the columns a single model lacks, in Kaggle order, once each', () => {
    const error = thrown(() => assertCovers(planMerge({ models: [SPECIALISTS[1]] }), ['nose_tip_x', 'mouth_left_corner_y', 'left_eye_center_x', 'mouth_left_corner_y'], 'data/IdLookupTable.csv'));
    expect(error).toBeInstanceOf(UncoveredColumnsError);
    expect((error as UncoveredColumnsError).columns).toEqual(['left_eye_center_x', 'mouth_left_corner_y']);
    expect(error.message).toMatch(/^no model given predicts left_eye_center_x, mouth_left_corner_y: data\/IdLookupTable\.csv asks for them/);
  });
});

describe('mergeOutputs', () => {
  it('takes each column from its model\'s outputs, row by row', () => {
    const a = { label: 'a', columns: ['nose_tip_y', 'nose_tip_x'] };
    const b = { label: 'b', columns: KEYPOINT_COLUMNS.filter((c) => !c.startsWith('nose_tip')) };
    const plan = planMerge({ models: [a, b] });
    const rows = 2;
    const fromA = Float32Array.from([1, 2, 3, 4]); // row 0: y=1 x=2; row 1: y=3 x=4
    const fromB = Float32Array.from({ length: rows * 28 }, (_, i) => 100 + i);
    const merged = mergeOutputs(plan, [fromA, fromB], rows);
    const x = KEYPOINT_COLUMNS.indexOf('nose_tip_x');
    expect([merged[x], merged[x + 1], merged[30 + x], merged[30 + x + 1]]).toEqual([2, 1, 4, 3]);
    expect(merged[0]).toBe(100);
    expect(merged[30 + 29]).toBe(100 + 28 + 27);
  });

  it('needs no outputs from a model that supplies nothing, and refuses missing or misshapen ones', () => {
    const plan = planMerge({ models: SPECIALISTS, fallback: GENERAL });
    const outputs = SPECIALISTS.map((s) => new Float32Array(s.columns.length));
    expect(mergeOutputs(plan, [...outputs, null], 1)).toHaveLength(30);
    expect(() => mergeOutputs(plan, [...outputs.slice(0, 5), null, null], 1)).toThrow(/runs\/s6/);
    expect(() => mergeOutputs(plan, [...outputs.slice(0, 5), new Float32Array(3), null], 1)).toThrow(/runs\/s6/);
  });
});
