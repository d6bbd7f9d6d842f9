// Original file: kfkd.proto

import type { RunInfo as _kfkd_v1_RunInfo, RunInfo__Output as _kfkd_v1_RunInfo__Output } from '../../kfkd/v1/RunInfo.ts';
import type { EpochFinished as _kfkd_v1_EpochFinished, EpochFinished__Output as _kfkd_v1_EpochFinished__Output } from '../../kfkd/v1/EpochFinished.ts';
import type { StepProgress as _kfkd_v1_StepProgress, StepProgress__Output as _kfkd_v1_StepProgress__Output } from '../../kfkd/v1/StepProgress.ts';
import type { WorkerStatus as _kfkd_v1_WorkerStatus, WorkerStatus__Output as _kfkd_v1_WorkerStatus__Output } from '../../kfkd/v1/WorkerStatus.ts';
import type { WorkerGone as _kfkd_v1_WorkerGone, WorkerGone__Output as _kfkd_v1_WorkerGone__Output } from '../../kfkd/v1/WorkerGone.ts';
import type { Predictions as _kfkd_v1_Predictions, Predictions__Output as _kfkd_v1_Predictions__Output } from '../../kfkd/v1/Predictions.ts';
import type { ReplayDone as _kfkd_v1_ReplayDone, ReplayDone__Output as _kfkd_v1_ReplayDone__Output } from '../../kfkd/v1/ReplayDone.ts';
import type { RunFinished as _kfkd_v1_RunFinished, RunFinished__Output as _kfkd_v1_RunFinished__Output } from '../../kfkd/v1/RunFinished.ts';
import type { PoolInfo as _kfkd_v1_PoolInfo, PoolInfo__Output as _kfkd_v1_PoolInfo__Output } from '../../kfkd/v1/PoolInfo.ts';
import type { PoolStatus as _kfkd_v1_PoolStatus, PoolStatus__Output as _kfkd_v1_PoolStatus__Output } from '../../kfkd/v1/PoolStatus.ts';
import type { RingRound as _kfkd_v1_RingRound, RingRound__Output as _kfkd_v1_RingRound__Output } from '../../kfkd/v1/RingRound.ts';

export interface WatchEvent {
  /**
   * Wall-clock time of the event, milliseconds since the Unix epoch.
   */
  'timeMs'?: (number | string);
  'run'?: (_kfkd_v1_RunInfo | null);
  'epoch'?: (_kfkd_v1_EpochFinished | null);
  'step'?: (_kfkd_v1_StepProgress | null);
  'worker'?: (_kfkd_v1_WorkerStatus | null);
  'workerGone'?: (_kfkd_v1_WorkerGone | null);
  'predictions'?: (_kfkd_v1_Predictions | null);
  'replayDone'?: (_kfkd_v1_ReplayDone | null);
  'finished'?: (_kfkd_v1_RunFinished | null);
  'poolInfo'?: (_kfkd_v1_PoolInfo | null);
  'pool'?: (_kfkd_v1_PoolStatus | null);
  /**
   * The job of a pool this event belongs to (RunInfo, EpochFinished,
   * StepProgress, WorkerStatus, WorkerGone, Predictions, RunFinished); empty
   * for a coordinator of one run and for the pool's own events.
   */
  'job'?: (string);
  'ring'?: (_kfkd_v1_RingRound | null);
  'event'?: "run"|"epoch"|"step"|"worker"|"workerGone"|"predictions"|"replayDone"|"finished"|"poolInfo"|"pool"|"ring";
}

export interface WatchEvent__Output {
  /**
   * Wall-clock time of the event, milliseconds since the Unix epoch.
   */
  'timeMs': (number);
  'run'?: (_kfkd_v1_RunInfo__Output | null);
  'epoch'?: (_kfkd_v1_EpochFinished__Output | null);
  'step'?: (_kfkd_v1_StepProgress__Output | null);
  'worker'?: (_kfkd_v1_WorkerStatus__Output | null);
  'workerGone'?: (_kfkd_v1_WorkerGone__Output | null);
  'predictions'?: (_kfkd_v1_Predictions__Output | null);
  'replayDone'?: (_kfkd_v1_ReplayDone__Output | null);
  'finished'?: (_kfkd_v1_RunFinished__Output | null);
  'poolInfo'?: (_kfkd_v1_PoolInfo__Output | null);
  'pool'?: (_kfkd_v1_PoolStatus__Output | null);
  /**
   * The job of a pool this event belongs to (RunInfo, EpochFinished,
   * StepProgress, WorkerStatus, WorkerGone, Predictions, RunFinished); empty
   * for a coordinator of one run and for the pool's own events.
   */
  'job': (string);
  'ring'?: (_kfkd_v1_RingRound__Output | null);
  'event'?: "run"|"epoch"|"step"|"worker"|"workerGone"|"predictions"|"replayDone"|"finished"|"poolInfo"|"pool"|"ring";
}
