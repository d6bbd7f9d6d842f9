// Original file: kfkd.proto


/**
 * A pool of jobs is watched. First event of a pool's Watch stream (instead of
 * RunInfo): what follows replaces whatever a viewer held.
 */
export interface PoolInfo {
  /**
   * When the pool coordinator started, ms since the Unix epoch.
   */
  'startedAtMs'?: (number | string);
}

/**
 * A pool of jobs is watched. First event of a pool's Watch stream (instead of
 * RunInfo): what follows replaces whatever a viewer held.
 */
export interface PoolInfo__Output {
  /**
   * When the pool coordinator started, ms since the Unix epoch.
   */
  'startedAtMs': (number);
}
