/** The worker's error vocabulary. */

/** Thrown when the coordinator refuses this worker for good (wrong token, other protocol version, TLS handshake refused): retrying cannot help. */
export class WorkerRefusedError extends Error {
  override readonly name = 'WorkerRefusedError';
  constructor(
    readonly coordinator: string,
    readonly reason: string,
  ) {
    super(`coordinator ${coordinator} refused this worker: ${reason}`);
  }
}

/** Thrown when the worker's configuration is unusable (no token, bad address, half a TLS key pair). */
export class WorkerConfigError extends Error {
  override readonly name = 'WorkerConfigError';
}

/** Thrown when a task refers to rows this worker was never sent (a coordinator bug or a confused session). */
export class MissingRowsError extends Error {
  override readonly name = 'MissingRowsError';
  constructor(
    readonly part: string,
    readonly row: number,
  ) {
    super(`task needs ${part} row ${row}, which is not in this worker's shard`);
  }
}
