import { describe, expect, it } from 'vitest';
import { InvalidSpecError } from '../errors.ts';
import { netSpec } from './by-name.ts';
import { inferShapes } from './shapes.ts';
import type { NetSpec } from './types.ts';

describe('net specs', () => {
  it("has the reference feature maps (conv1 32x94x94 ... 15,488 flat)", () => {
    const shapes = inferShapes(netSpec('net2')).map((s) => `${s.name}:${s.outputShape.join('x')}`);
    expect(shapes).toEqual([
      'conv1:94x94x32', 'pool1:47x47x32', 'conv2:46x46x64', 'pool2:23x23x64', 'conv3:22x22x128', 'pool3:11x11x128',
      'flatten:15488', 'hidden4:500', 'hidden5:500', 'output:30',
    ]);
    expect(inferShapes(netSpec('net1')).map((s) => s.name)).toEqual(['hidden1', 'output']);
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
