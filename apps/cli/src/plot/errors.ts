/**
 * Thrown when a learning-curve plot cannot be drawn from what the user named:
 * a run directory or history file that is missing, corrupt or empty. The
 * message names the path at fault and fits on one line.
 */
export class PlotInputError extends Error {
  override readonly name = 'PlotInputError';
  constructor(
    /** The directory or file at fault, as the user gave it or as derived from it. */
    readonly path: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${detail}`, options);
  }
}
