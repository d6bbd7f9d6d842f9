import type { EpochRecord } from './history.ts';

/**
 * The tutorial's epoch log, one row per epoch:
 *
 *   Epoch |  Train loss |  Valid loss | Train/Val |    Dur
 *  -------+-------------+-------------+-----------+-------
 *       1 |    0.102400 |    0.031763 |   3.22419 |  0.64s
 */
export const EPOCH_TABLE_HEADER = [
  '  Epoch |  Train loss |  Valid loss | Train/Val |     Dur',
  '--------+-------------+-------------+-----------+--------',
].join('\n');

export function epochTableRow(r: EpochRecord): string {
  return [
    String(r.epoch).padStart(7),
    r.trainLoss.toFixed(6).padStart(11),
    r.validLoss.toFixed(6).padStart(11),
    r.trainValidRatio.toFixed(5).padStart(9),
    `${r.seconds.toFixed(2)}s`.padStart(7),
  ].join(' | ');
}
