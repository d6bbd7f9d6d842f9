/**
 * The wire's vocabulary in one place: the names kfkd.proto gives its enum
 * values and its string-valued fields, and their mapping to the names the
 * code uses. Every app takes these from here, so a value added to the
 * protocol is added once (vocabulary.test.ts holds this list to the
 * comments of kfkd.proto).
 *
 * WorkerStatus.state, WorkerGone.reason and RunFinished.reason are strings
 * on the wire (since protocol version 2); changing them to enums would change the
 * wire encoding of those fields, so the allowed values are listed here
 * instead, as typed constants.
 */
import type { Part__Output } from './types.ts';

/** The two parts of the data a task computes over (the Part enum's values). */
export const PART_NAMES = ['train', 'valid'] as const;
export type PartName = (typeof PART_NAMES)[number];

/** A part's name in the Part enum of kfkd.proto. */
export type WirePart = Exclude<Part__Output, 'PART_UNSPECIFIED'>;

const WIRE_PART_OF: Readonly<Record<PartName, WirePart>> = { train: 'PART_TRAIN', valid: 'PART_VALID' };
const PART_OF_WIRE: Readonly<Record<WirePart, PartName>> = { PART_TRAIN: 'train', PART_VALID: 'valid' };

export function partToWire(part: PartName): WirePart {
  return WIRE_PART_OF[part];
}

/** The part a wire value names; undefined for PART_UNSPECIFIED (never sent: a malformed task). */
export function partFromWire(part: Part__Output): PartName | undefined {
  return part === 'PART_UNSPECIFIED' ? undefined : PART_OF_WIRE[part];
}

/** WorkerStatus.state: joined and active from the next step, or active. */
export const WORKER_STATES = ['pending', 'active'] as const;
export type WorkerState = (typeof WORKER_STATES)[number];

/** WorkerGone.reason: why the coordinator removed a worker. */
export const LEAVE_REASONS = ['left', 'stream-closed', 'deadline', 'heartbeat', 'invalid-message', 'replaced', 'shutdown', 'moved'] as const;
export type LeaveReason = (typeof LEAVE_REASONS)[number];

/** RunFinished.reason: how the run ended. */
export const RUN_END_REASONS = ['completed', 'early-stopping', 'aborted', 'failed'] as const;
export type RunEndReason = (typeof RUN_END_REASONS)[number];

/** JobStatus.state: a job of a pool waits for workers, trains, or ended (a RunFinished reason). */
export const JOB_STATES = ['waiting', 'training', ...RUN_END_REASONS] as const;
export type JobState = (typeof JOB_STATES)[number];

/** WorkerPlacement.state: where a worker of a pool is. */
export const PLACEMENT_STATES = ['in-job', 'parked', 'moving'] as const;
export type PlacementState = (typeof PLACEMENT_STATES)[number];
