/**
 * The coordinator's error vocabulary. gRPC status codes appear only at the
 * RPC edge (service.ts); these classes say what went wrong in our terms.
 */

/** Thrown when a checkpoint file fails its checksum or cannot be parsed; the file is left as it is. */
export class CheckpointCorruptError extends Error {
  override readonly name = 'CheckpointCorruptError';
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly previous: string | null,
  ) {
    super(
      `checkpoint ${file} is corrupt (${reason}); refusing to resume from it. ` +
        (previous ? `The previous checkpoint is kept at ${previous}: pass --resume-from previous to resume from it, ` : '') +
        'or use another --run-dir to start afresh.',
    );
  }
}

/** Thrown when the run directory's checkpoint belongs to a run with other settings (net, data, seed, ...). */
export class CheckpointMismatchError extends Error {
  override readonly name = 'CheckpointMismatchError';
  constructor(
    readonly file: string,
    readonly field: string,
    readonly expected: string,
    readonly found: string,
  ) {
    super(`checkpoint ${file} is of another run: its ${field} is ${found}, this run's is ${expected}; use another --run-dir or the same settings`);
  }
}

/** Thrown when a resumed run would do less than its checkpoint's (fewer --epochs than already planned). */
export class CheckpointShrinkError extends Error {
  override readonly name = 'CheckpointShrinkError';
  constructor(
    readonly file: string,
    readonly field: string,
    readonly requested: number,
    readonly found: number,
  ) {
    super(`checkpoint ${file} is of a run with ${field} ${found}; a resumed run may extend it (${field} >= ${found}) but not shorten it to ${requested}`);
  }
}

/** Thrown when the server cannot listen where it was asked to. */
export class ListenError extends Error {
  override readonly name = 'ListenError';
  constructor(
    readonly address: string,
    readonly reason: string,
  ) {
    super(`cannot listen on ${address}: ${reason}`);
  }
}

/** Thrown when the coordinator's configuration is unusable (no token, half a TLS key pair, ...). */
export class CoordinatorConfigError extends Error {
  override readonly name = 'CoordinatorConfigError';
}

/** Rejects a task whose worker left or was dropped before answering; its rows are computed again. */
export class WorkerLostError extends Error {
  override readonly name = 'WorkerLostError';
  constructor(
    readonly worker: string,
    readonly reason: string,
  ) {
    super(`worker ${worker} lost: ${reason}`);
  }
}

/** Thrown when the coordinator is stopped while it waits for workers or results. */
export class CoordinatorStoppedError extends Error {
  override readonly name = 'CoordinatorStoppedError';
  constructor() {
    super('the coordinator is stopping');
  }
}
