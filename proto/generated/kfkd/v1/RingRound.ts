// Original file: kfkd.proto

import type { RingHop as _kfkd_v1_RingHop, RingHop__Output as _kfkd_v1_RingHop__Output } from '../../kfkd/v1/RingHop.ts';

/**
 * A training step summed through a ring of workers (RingRole): who passed
 * the running sum to whom, and how long each hop took, so that a slow link
 * shows. Sent at most about once a second, and replayed (the last one).
 */
export interface RingRound {
  'epoch'?: (number);
  'step'?: (number);
  /**
   * The ring's workers in order; the last one reports to the coordinator.
   */
  'workers'?: (string)[];
  /**
   * The hops of the running sum, in order, the last one to the coordinator
   * (to_worker empty).
   */
  'hops'?: (_kfkd_v1_RingHop)[];
}

/**
 * A training step summed through a ring of workers (RingRole): who passed
 * the running sum to whom, and how long each hop took, so that a slow link
 * shows. Sent at most about once a second, and replayed (the last one).
 */
export interface RingRound__Output {
  'epoch': (number);
  'step': (number);
  /**
   * The ring's workers in order; the last one reports to the coordinator.
   */
  'workers': (string)[];
  /**
   * The hops of the running sum, in order, the last one to the coordinator
   * (to_worker empty).
   */
  'hops': (_kfkd_v1_RingHop__Output)[];
}
