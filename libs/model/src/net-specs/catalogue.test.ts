import { KEYPOINT_COLUMNS, flipPairsFor } from '@kfkd/data';
import { describe, expect, it } from 'vitest';
import { countParameters } from '../param-layout.ts';
import { netSpec } from './by-name.ts';
import { knownNetNames } from './catalogue.ts';
import { inferShapes } from './shapes.ts';
import type { NetSpec } from './types.ts';

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
});
