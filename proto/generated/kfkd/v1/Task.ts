// Original file: kfkd.proto

import type { Part as _kfkd_v1_Part, Part__Output as _kfkd_v1_Part__Output } from '../../kfkd/v1/Part.ts';
import type { RingRole as _kfkd_v1_RingRole, RingRole__Output as _kfkd_v1_RingRole__Output } from '../../kfkd/v1/RingRole.ts';

/**
 * Compute loss and gradient sums (PART_TRAIN) or the loss sum (PART_VALID)
 * over `rows` at `parameters`.
 */
export interface Task {
  'generation'?: (number);
  'taskId'?: (number);
  'part'?: (_kfkd_v1_Part);
  /**
   * Training step (epoch 1-based, step 0-based); for validation, the epoch.
   */
  'epoch'?: (number);
  'step'?: (number);
  /**
   * Indices into the part's rows; all of them are in this worker's shard.
   */
  'rows'?: (number)[];
  /**
   * Each row's position in the global batch (its dropout seed depends on it).
   */
  'positions'?: (number)[];
  /**
   * One byte per row, 1 = mirror; empty when the net trains without flips.
   */
  'flipMask'?: (Buffer | Uint8Array | string);
  'dropoutSeed'?: (number);
  /**
   * The ParameterChunk version to compute at (all of it was sent before this task).
   */
  'parametersVersion'?: (number);
  /**
   * Set on a task of a ring round, training or validation (see RingRole);
   * unset: a star round, whose result this worker Reports to the
   * coordinator itself.
   */
  'ring'?: (_kfkd_v1_RingRole | null);
}

/**
 * Compute loss and gradient sums (PART_TRAIN) or the loss sum (PART_VALID)
 * over `rows` at `parameters`.
 */
export interface Task__Output {
  'generation': (number);
  'taskId': (number);
  'part': (_kfkd_v1_Part__Output);
  /**
   * Training step (epoch 1-based, step 0-based); for validation, the epoch.
   */
  'epoch': (number);
  'step': (number);
  /**
   * Indices into the part's rows; all of them are in this worker's shard.
   */
  'rows': (number)[];
  /**
   * Each row's position in the global batch (its dropout seed depends on it).
   */
  'positions': (number)[];
  /**
   * One byte per row, 1 = mirror; empty when the net trains without flips.
   */
  'flipMask': (Buffer);
  'dropoutSeed': (number);
  /**
   * The ParameterChunk version to compute at (all of it was sent before this task).
   */
  'parametersVersion': (number);
  /**
   * Set on a task of a ring round, training or validation (see RingRole);
   * unset: a star round, whose result this worker Reports to the
   * coordinator itself.
   */
  'ring': (_kfkd_v1_RingRole__Output | null);
}
