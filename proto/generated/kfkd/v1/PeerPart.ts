// Original file: kfkd.proto

import type { PeerHello as _kfkd_v1_PeerHello, PeerHello__Output as _kfkd_v1_PeerHello__Output } from '../../kfkd/v1/PeerHello.ts';
import type { ParameterChunk as _kfkd_v1_ParameterChunk, ParameterChunk__Output as _kfkd_v1_ParameterChunk__Output } from '../../kfkd/v1/ParameterChunk.ts';
import type { RingSum as _kfkd_v1_RingSum, RingSum__Output as _kfkd_v1_RingSum__Output } from '../../kfkd/v1/RingSum.ts';
import type { GradientChunk as _kfkd_v1_GradientChunk, GradientChunk__Output as _kfkd_v1_GradientChunk__Output } from '../../kfkd/v1/GradientChunk.ts';
import type { RingHops as _kfkd_v1_RingHops, RingHops__Output as _kfkd_v1_RingHops__Output } from '../../kfkd/v1/RingHops.ts';

export interface PeerPart {
  'hello'?: (_kfkd_v1_PeerHello | null);
  'parameters'?: (_kfkd_v1_ParameterChunk | null);
  'sum'?: (_kfkd_v1_RingSum | null);
  'gradient'?: (_kfkd_v1_GradientChunk | null);
  /**
   * Last part of a running sum (after every chunk): the hops so far, each
   * timed by the worker that received it (see ReportPart.ring_hops).
   */
  'hops'?: (_kfkd_v1_RingHops | null);
  'part'?: "hello"|"parameters"|"sum"|"gradient"|"hops";
}

export interface PeerPart__Output {
  'hello'?: (_kfkd_v1_PeerHello__Output | null);
  'parameters'?: (_kfkd_v1_ParameterChunk__Output | null);
  'sum'?: (_kfkd_v1_RingSum__Output | null);
  'gradient'?: (_kfkd_v1_GradientChunk__Output | null);
  /**
   * Last part of a running sum (after every chunk): the hops so far, each
   * timed by the worker that received it (see ReportPart.ring_hops).
   */
  'hops'?: (_kfkd_v1_RingHops__Output | null);
  'part'?: "hello"|"parameters"|"sum"|"gradient"|"hops";
}
