import { flipPairsFor } from '@kfkd/data';
import { describe, expect, it } from 'vitest';
import { InvalidSpecError, UnknownSpecialistError } from '../errors.ts';
import { countParameters } from '../param-layout.ts';
import { netSpec } from './by-name.ts';
import { SPECIALIST_GROUPS, specialistMaxEpochs, specialistSpec, specialistSpecForKeypoints, withTrainingRows } from './specialists.ts';

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
