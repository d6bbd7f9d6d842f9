import { DataFormatError } from '@kfkd/data';
import { PlotInputError } from './plot/errors.ts';
import { CheckpointCorruptError, CheckpointMismatchError, CheckpointShrinkError, CoordinatorConfigError, ListenError } from '@kfkd/coordinator/errors';
import { WorkerConfigError, WorkerRefusedError } from '@kfkd/worker/errors';
import { MetricsListenError } from '@kfkd/metrics';
import { BackendUnavailableError, ColumnsMismatchError, GpuUnavailableError, InvalidSpecError, ModelLoadError, ModelSaveError, UnknownNetError } from '@kfkd/model/errors';

/** Thrown when flags are inconsistent in a way commander cannot check (e.g. two flags that go together). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Turns an error that reached the command line into one clear line on stderr
 * and an exit code. Errors the user can fix (bad files, bad flags) carry a
 * message written for them; anything else is a bug and shows its stack.
 */
export function reportFailure(error: unknown): number {
  if (error instanceof Error && isUserFacing(error)) {
    console.error(`kfkd: ${error.message}`);
    // 4: the demanded compute device is unavailable; another node may have one.
    return error instanceof GpuUnavailableError ? 4 : 1;
  }
  console.error('kfkd: unexpected failure (this is a bug):');
  console.error(error);
  return 70;
}

/** Error classes whose messages are written for the user (they name the file, flag or value at fault). */
const USER_FACING: readonly (abstract new (...args: never[]) => Error)[] = [
  UsageError,
  DataFormatError,
  UnknownNetError,
  InvalidSpecError,
  ColumnsMismatchError,
  BackendUnavailableError,
  GpuUnavailableError,
  ModelLoadError,
  ModelSaveError,
  PlotInputError,
  CheckpointCorruptError,
  CheckpointMismatchError,
  CheckpointShrinkError,
  CoordinatorConfigError,
  ListenError,
  WorkerConfigError,
  WorkerRefusedError,
  MetricsListenError,
];

function isUserFacing(error: Error): boolean {
  if (USER_FACING.some((kind) => error instanceof kind)) return true;
  // File-system errors name the path they failed on.
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ENOTDIR' || code === 'ENOSPC';
}
