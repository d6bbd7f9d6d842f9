import { KEYPOINT_COLUMNS, flipPairsFor } from '@kfkd/data';
import { describe, expect, it } from 'vitest';
import { InvalidSpecError, UnknownNetError, UnknownSpecialistError } from './errors.ts';
import {
  type NetSpec,
  SPECIALIST_GROUPS,
  inferShapes,
  knownNetNames,
  netSpec,
  specialistMaxEpochs,
  specialistSpec,
  specialistSpecForKeypoints,
  withTrainingRows,
} from './net-specs.ts';
import { countParameters } from './param-layout.ts';

describe('net specs', () => {
  it('lists the known nets', () => {
    expect(knownNetNames()).toEqual(['net1', 'net2', 'net3', 'net4', 'net5', 'net6', 'net7', 'final', 'tinyconv-test', 'tinyconv-dropout-flip-test']);
  });

  it('has the reference parameter counts (from the spec alone)', () => {
    expect(countParameters(netSpec('net1'))).toBe(924_730);
    for (const n of ['net2', 'net3', 'net4', 'net5', 'net6']) expect(countParameters(netSpec(n))).toBe(8_051_502);
    expect(countParameters(netSpec('net7'))).toBe(16_561_502);
    expect(countParameters(netSpec('final'))).toBe(16_561_502);
    expect(countParameters(netSpec('tinyconv-test'))).toBe(40 + 136 + (23 * 23 * 8 * 16 + 16) + (16 * 30 + 30));
  });

  it("has the reference feature maps (conv1 32x94x94 ... 15,488 flat)", () => {
    const shapes = inferShapes(netSpec('net2')).map((s) => `${s.name}:${s.outputShape.join('x')}`);
    expect(shapes).toEqual([
      'conv1:94x94x32', 'pool1:47x47x32', 'conv2:46x46x64', 'pool2:23x23x64', 'conv3:22x22x128', 'pool3:11x11x128',
      'flatten:15488', 'hidden4:500', 'hidden5:500', 'output:30',
    ]);
    expect(inferShapes(netSpec('net1')).map((s) => s.name)).toEqual(['hidden1', 'output']);
  });

  it('encodes the training settings of the tutorial', () => {
    const t = (n: string) => netSpec(n).training;
    expect(t('net1')).toMatchObject({ maxEpochs: 400, batchSize: 128, evalSize: 0.2, flip: false, earlyStopping: null });
    expect(t('net1').learningRate).toEqual({ kind: 'constant', value: 0.01 });
    expect(t('net1').momentum).toEqual({ kind: 'constant', value: 0.9 });
    expect(t('net2')).toMatchObject({ maxEpochs: 1000, flip: false });
    expect(t('net3')).toMatchObject({ maxEpochs: 3000, flip: true, learningRate: { kind: 'constant', value: 0.01 } });
    for (const [n, epochs, flip] of [['net4', 1000, false], ['net5', 2000, true], ['net6', 3000, true], ['net7', 10000, true]] as const) {
      expect(t(n)).toMatchObject({ maxEpochs: epochs, flip, earlyStopping: null });
      expect(t(n).learningRate).toEqual({ kind: 'linear', start: 0.03, stop: 0.0001 });
      expect(t(n).momentum).toEqual({ kind: 'linear', start: 0.9, stop: 0.999 });
    }
    expect(t('final')).toMatchObject({ maxEpochs: 3000, flip: true, earlyStopping: { patience: 200 } });
    expect(t('final').learningRate).toEqual({ kind: 'linear', start: 0.03, stop: 0.0001 });
  });

  it('places dropout after the pools and the first dense layer in net6/net7/final only', () => {
    const drops = (n: string) => netSpec(n).layers.flatMap((l, i) => (l.type === 'dropout' ? [`${netSpec(n).layers[i - 1].name}>${l.rate}`] : []));
    for (const n of ['net2', 'net3', 'net4', 'net5']) expect(drops(n)).toEqual([]);
    for (const n of ['net6', 'net7', 'final']) expect(drops(n)).toEqual(['pool1>0.1', 'pool2>0.2', 'pool3>0.3', 'hidden4>0.5']);
    const dense = (n: string) => netSpec(n).layers.flatMap((l) => (l.type === 'dense' ? [l.units] : []));
    expect(dense('net6')).toEqual([500, 500]);
    expect(dense('net7')).toEqual([1000, 1000]);
  });

  it('uses the 30 columns and the 12 flip pairs for general nets', () => {
    const s = netSpec('net3');
    expect(s.columns).toEqual(KEYPOINT_COLUMNS);
    expect(s.outputs).toBe(30);
    expect(s.flipPairs).toEqual(flipPairsFor(KEYPOINT_COLUMNS));
  });

  it('is plain JSON data', () => {
    for (const n of knownNetNames()) {
      const s = netSpec(n);
      expect(JSON.parse(JSON.stringify(s))).toEqual(s);
      expect(() => inferShapes(JSON.parse(JSON.stringify(s)) as NetSpec)).not.toThrow();
    }
  });

  it('returns fresh objects', () => {
    const a = netSpec('net1') as { name: string };
    a.name = 'changed';
    expect(netSpec('net1').name).toBe('net1');
  });

  it('throws a typed error listing the known names for an unknown net', () => {
    expect(() => netSpec('net8')).toThrow(UnknownNetError);
    try {
      netSpec('net8');
    } catch (e) {
      expect(e).toBeInstanceOf(UnknownNetError);
      expect((e as UnknownNetError).known).toContain('net7');
      expect((e as Error).message).toMatch(/net8.*net1.*final/);
    }
    expect(() => netSpec('final-specialist-7')).toThrow(UnknownNetError);
    expect(() => netSpec('nope-specialist-1')).toThrow(UnknownNetError);
  });

  it('rejects malformed specs', () => {
    const base = netSpec('tinyconv-test');
    const bad = (patch: object) => () => inferShapes({ ...base, ...patch } as NetSpec);
    expect(bad({ input: 'flat' })).toThrow(InvalidSpecError); // conv on a flat input
    expect(bad({ outputs: 4 })).toThrow(/columns/);
    expect(bad({ layers: [...base.layers, { type: 'dropout', name: 'd', rate: 1 }] })).toThrow(/rate/);
    expect(bad({ layers: [{ type: 'conv2d', name: 'c', filters: 2, kernelSize: 97 }] })).toThrow(/kernel/);
    expect(bad({ layers: [{ type: 'dense', name: 'output', units: 3 }] })).toThrow(/reserved/);
    expect(bad({ flipPairs: [[0, 30]] })).toThrow(/flip pair/);
    expect(bad({ training: { ...base.training, maxEpochs: 0 } })).toThrow(/maxEpochs/);
    expect(bad({ training: { ...base.training, learningRate: { kind: 'linear', start: 1 } } })).toThrow(/learningRate/);
  });
});

describe('specialists', () => {
  it('follow the reference table', () => {
    const final = netSpec('final');
    const cols = SPECIALIST_GROUPS.map((g) => specialistSpec(final, g.index).columns);
    expect(cols[0]).toEqual(['left_eye_center_x', 'left_eye_center_y', 'right_eye_center_x', 'right_eye_center_y']);
    expect(cols[1]).toEqual(['nose_tip_x', 'nose_tip_y']);
    expect(cols[4]).toEqual([
      'left_eye_inner_corner_x', 'left_eye_inner_corner_y', 'right_eye_inner_corner_x', 'right_eye_inner_corner_y',
      'left_eye_outer_corner_x', 'left_eye_outer_corner_y', 'right_eye_outer_corner_x', 'right_eye_outer_corner_y',
    ]);
    expect(SPECIALIST_GROUPS.map((g) => specialistSpec(final, g.index).outputs)).toEqual([4, 2, 6, 2, 8, 8]);
    expect(SPECIALIST_GROUPS.map((g) => g.flipPairs.length)).toEqual([2, 0, 2, 0, 4, 4]);
    // The table's group-local pairs are the tutorial's pairs restricted to the group.
    for (const g of SPECIALIST_GROUPS) {
      const s = specialistSpec(final, g.index);
      expect(s.flipPairs).toEqual(flipPairsFor(s.columns));
      expect(s.specialist).toMatchObject({ group: g.index, base: 'final', rows: null });
    }
  });

  it('keep the base hidden layers, resize the output, use patience 200', () => {
    const s = specialistSpec(netSpec('final'), 2);
    expect(s.name).toBe('final-specialist-2');
    expect(s.layers).toEqual(netSpec('final').layers);
    expect(s.training.earlyStopping).toEqual({ patience: 200 });
    expect(countParameters(s)).toBe(16_561_502 - 30 * 1000 - 30 + 2 * 1000 + 2);
    expect(netSpec('final-specialist-2')).toEqual(s);
  });

  it('set max_epochs = int(4e6 / rows)', () => {
    expect(specialistMaxEpochs(7000)).toBe(571);
    expect(specialistMaxEpochs(2140)).toBe(1869);
    expect(specialistSpec(netSpec('final'), 1, { rows: 7033 }).training.maxEpochs).toBe(568);
    const s = withTrainingRows(netSpec('final-specialist-5'), 2247);
    expect(s.training.maxEpochs).toBe(1780);
    expect(s.specialist?.rows).toBe(2247);
    expect(withTrainingRows(netSpec('net1'), 5)).toEqual(netSpec('net1'));
    expect(() => specialistMaxEpochs(0)).toThrow(RangeError);
  });

  it('can be made for any keypoint group', () => {
    const s = specialistSpecForKeypoints(netSpec('net2'), ['left_eye_center', 'nose_tip', 'right_eye_center'], { rows: 4000 });
    expect(s.columns).toEqual(['left_eye_center_x', 'left_eye_center_y', 'nose_tip_x', 'nose_tip_y', 'right_eye_center_x', 'right_eye_center_y']);
    expect(s.flipPairs).toEqual([[0, 4], [1, 5]]);
    expect(s.training.maxEpochs).toBe(1000);
    expect(() => specialistSpecForKeypoints(netSpec('net2'), ['ear'])).toThrow(InvalidSpecError);
    expect(() => specialistSpec(netSpec('net2'), 7)).toThrow(UnknownSpecialistError);
  });
});
