/**
 * What the pool tells its observers (the Watch journal, the metrics): one
 * interface, every method optional, so an observer takes the events it
 * needs. The pool's parts emit through poolEvents(), which fans each event
 * out to every observer in order.
 */
import type { PartName } from '@kfkd/proto';
import type { Member } from './membership.ts';
import type { JobPhases } from './step-job.ts';
import type { FailureRecord } from './worker-registry.ts';

/** A task's result was accepted. */
export interface TaskDone {
  readonly member: Member;
  readonly part: PartName;
  readonly rows: number;
  /** From handing the task to its stream to accepting its result. */
  readonly seconds: number;
}

/** One hop of a ring round's running sum, timed by its receiver; `to` '' is the coordinator. */
export interface RingHopTiming {
  readonly from: string;
  readonly to: string;
  readonly bytes: number;
  readonly seconds: number;
}

/** A ring round gave its sum: the ring in order, and each hop. */
export interface RingRoundDone {
  /** 'valid': a validation round, whose running sum carries no gradient (its hops' bytes are the loss sums only). */
  readonly part: PartName;
  readonly epoch: number;
  readonly step: number;
  readonly workers: readonly string[];
  readonly hops: readonly RingHopTiming[];
}

/** Why a ring round gave no sum (its rows were computed again on the star). */
export type RingRoundFailure = 'lost-worker' | 'timed-out';

export interface PoolObserver {
  /** A worker joined, became active or was heard from. */
  workerChanged?(member: Member): void;
  /** A worker was removed (why: the record). */
  workerLeft?(record: FailureRecord): void;
  taskDone?(done: TaskDone): void;
  /** A whole job (every row of a training step, or of validation) was computed. */
  jobDone?(part: PartName, phases: JobPhases): void;
  /** A parameter vector was sent to one worker. */
  parametersSent?(bytes: number): void;
  /** A chunk of data rows (pixels and targets) was sent to one worker. */
  shardSent?(bytes: number): void;
  /** A ring round's sum was accepted. */
  ringRoundDone?(round: RingRoundDone): void;
  ringRoundFailed?(reason: RingRoundFailure): void;
}

/** One observer that hands every event to each of `observers`. */
export function poolEvents(observers: readonly PoolObserver[]): Required<PoolObserver> {
  return {
    workerChanged: (member) => observers.forEach((o) => o.workerChanged?.(member)),
    workerLeft: (record) => observers.forEach((o) => o.workerLeft?.(record)),
    taskDone: (done) => observers.forEach((o) => o.taskDone?.(done)),
    jobDone: (part, phases) => observers.forEach((o) => o.jobDone?.(part, phases)),
    parametersSent: (bytes) => observers.forEach((o) => o.parametersSent?.(bytes)),
    shardSent: (bytes) => observers.forEach((o) => o.shardSent?.(bytes)),
    ringRoundDone: (round) => observers.forEach((o) => o.ringRoundDone?.(round)),
    ringRoundFailed: (reason) => observers.forEach((o) => o.ringRoundFailed?.(reason)),
  };
}
