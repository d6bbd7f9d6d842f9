// Original file: kfkd.proto

import type { TaskResult as _kfkd_v1_TaskResult, TaskResult__Output as _kfkd_v1_TaskResult__Output } from '../../kfkd/v1/TaskResult.ts';
import type { GradientChunk as _kfkd_v1_GradientChunk, GradientChunk__Output as _kfkd_v1_GradientChunk__Output } from '../../kfkd/v1/GradientChunk.ts';
import type { RingHops as _kfkd_v1_RingHops, RingHops__Output as _kfkd_v1_RingHops__Output } from '../../kfkd/v1/RingHops.ts';

/**
 * One message of a Report stream: first the TaskResult, then (training
 * tasks only) GradientChunks covering parameter_count float32 in order.
 */
export interface ReportPart {
  'result'?: (_kfkd_v1_TaskResult | null);
  'gradient'?: (_kfkd_v1_GradientChunk | null);
  /**
   * Last part of a ring round's report (after every chunk): how each hop
   * of the running sum went, in ring order, the hop into the reporting
   * worker included (the coordinator times the last hop itself).
   */
  'ringHops'?: (_kfkd_v1_RingHops | null);
  'part'?: "result"|"gradient"|"ringHops";
}

/**
 * One message of a Report stream: first the TaskResult, then (training
 * tasks only) GradientChunks covering parameter_count float32 in order.
 */
export interface ReportPart__Output {
  'result'?: (_kfkd_v1_TaskResult__Output | null);
  'gradient'?: (_kfkd_v1_GradientChunk__Output | null);
  /**
   * Last part of a ring round's report (after every chunk): how each hop
   * of the running sum went, in ring order, the hop into the reporting
   * worker included (the coordinator times the last hop itself).
   */
  'ringHops'?: (_kfkd_v1_RingHops__Output | null);
  'part'?: "result"|"gradient"|"ringHops";
}
