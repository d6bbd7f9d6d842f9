// Original file: kfkd.proto

import type { RingHop as _kfkd_v1_RingHop, RingHop__Output as _kfkd_v1_RingHop__Output } from '../../kfkd/v1/RingHop.ts';

export interface RingHops {
  'hops'?: (_kfkd_v1_RingHop)[];
}

export interface RingHops__Output {
  'hops': (_kfkd_v1_RingHop__Output)[];
}
