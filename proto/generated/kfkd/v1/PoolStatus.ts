// Original file: kfkd.proto

import type { JobStatus as _kfkd_v1_JobStatus, JobStatus__Output as _kfkd_v1_JobStatus__Output } from '../../kfkd/v1/JobStatus.ts';
import type { WorkerPlacement as _kfkd_v1_WorkerPlacement, WorkerPlacement__Output as _kfkd_v1_WorkerPlacement__Output } from '../../kfkd/v1/WorkerPlacement.ts';

/**
 * The jobs of a pool and where its workers are.
 */
export interface PoolStatus {
  /**
   * In the order they were added, ended ones too.
   */
  'jobs'?: (_kfkd_v1_JobStatus)[];
  /**
   * Every worker connected to the pool, sorted by id.
   */
  'workers'?: (_kfkd_v1_WorkerPlacement)[];
}

/**
 * The jobs of a pool and where its workers are.
 */
export interface PoolStatus__Output {
  /**
   * In the order they were added, ended ones too.
   */
  'jobs': (_kfkd_v1_JobStatus__Output)[];
  /**
   * Every worker connected to the pool, sorted by id.
   */
  'workers': (_kfkd_v1_WorkerPlacement__Output)[];
}
