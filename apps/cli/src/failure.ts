/**
 * The exit codes of every `kfkd` command, and the one place that turns an
 * error into one of them. A batch system acts on the code (a Kubernetes Job's
 * podFailurePolicy, deploy/k8s): 0 ends the Job, 2 and 3 fail it at once,
 * 130/143 replace the pod without counting, the others count against its
 * backoffLimit. README "Exit codes" and every command's --help show this table.
 */
import { CommanderError } from 'commander';
import { DataFormatError } from '@kfkd/data';
import { PlotInputError } from './plot/errors.ts';
import { CheckpointCorruptError, CheckpointMismatchError, CheckpointShrinkError, CoordinatorConfigError, ListenError } from '@kfkd/coordinator/errors';
import { WorkerConfigError, WorkerRefusedError } from '@kfkd/worker/errors';
import { MetricsListenError } from '@kfkd/metrics';
import {
  BackendUnavailableError,
  ColumnsMismatchError,
  GpuUnavailableError,
  InvalidSpecError,
  ModelLoadError,
  ModelSaveError,
  OverlappingModelsError,
  UncoveredColumnsError,
  UnknownNetError,
  UnknownSpecialistError,
} from '@kfkd/model/errors';

/** Complete: the run is finished (also when a finished run is started again), or a worker heard that the run is over. */
export const EXIT_COMPLETE = 0;
/** Failed at run time; retrying may help (I/O error, port in use, coordinator lost for good). */
export const EXIT_FAILED = 1;
/** Usage or configuration error: bad flags, files or data, a refused checkpoint. Retrying the same command cannot help. */
export const EXIT_USAGE = 2;
/** Refused by the coordinator for good: wrong token or role, other protocol version, TLS or certificate refused. */
export const EXIT_REFUSED = 3;
/** The demanded compute device is unavailable (`--backend tensorflow-gpu` without a working GPU); another node may have one. */
export const EXIT_NO_DEVICE = 4;
/** A bug: an unexpected exception (its stack is printed). 70 is EX_SOFTWARE of sysexits.h. */
export const EXIT_BUG = 70;
/** Interrupted by SIGINT (Ctrl-C) after a graceful stop: 128 + 2, as shells report it. */
export const EXIT_SIGINT = 130;
/** Interrupted by SIGTERM after a graceful stop (coordinator: step finished, checkpoint written; worker: left the run): 128 + 15. */
export const EXIT_SIGTERM = 143;

export type ExitCode =
  | typeof EXIT_COMPLETE
  | typeof EXIT_FAILED
  | typeof EXIT_USAGE
  | typeof EXIT_REFUSED
  | typeof EXIT_NO_DEVICE
  | typeof EXIT_BUG
  | typeof EXIT_SIGINT
  | typeof EXIT_SIGTERM;

/** The signals that ask a command to stop gracefully. */
export type StopSignal = 'SIGINT' | 'SIGTERM';

/** The code of a command stopped gracefully by `signal`. */
export function interruptedExitCode(signal: StopSignal): ExitCode {
  return signal === 'SIGINT' ? EXIT_SIGINT : EXIT_SIGTERM;
}

/** The table as --help shows it (README "Exit codes" says the same). */
export const EXIT_CODE_TABLE: readonly { readonly code: ExitCode; readonly meaning: string }[] = [
  { code: EXIT_COMPLETE, meaning: 'complete: the run is finished (a finished run started again exits 0 at once); a worker: the coordinator says the run is over' },
  { code: EXIT_FAILED, meaning: 'failed at run time, retrying may help (I/O error, port in use)' },
  { code: EXIT_USAGE, meaning: 'usage or configuration error: bad flags, files or data, checkpoint refused' },
  { code: EXIT_REFUSED, meaning: 'refused by the coordinator for good: wrong token or role, other protocol version, TLS refused' },
  { code: EXIT_NO_DEVICE, meaning: 'the demanded compute device is unavailable (--backend tensorflow-gpu without a working GPU)' },
  { code: EXIT_BUG, meaning: 'a bug: unexpected exception, stack printed' },
  { code: EXIT_SIGINT, meaning: 'interrupted by SIGINT (Ctrl-C) after a graceful stop' },
  { code: EXIT_SIGTERM, meaning: 'interrupted by SIGTERM after a graceful stop (coordinator: checkpoint written; worker: left the run)' },
];

/** The "Exit codes:" section of --help. */
export function exitCodeHelp(): string {
  return ['', 'Exit codes:', ...EXIT_CODE_TABLE.map(({ code, meaning }) => `  ${String(code).padEnd(4)} ${meaning}`)].join('\n');
}

/** Thrown when flags are inconsistent in a way commander cannot check (e.g. two flags that go together). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Thrown when a child process of `kfkd local` fails: its messages are
 * already on stderr, and `kfkd local` exits with its code.
 */
export class ChildFailedError extends Error {
  override readonly name = 'ChildFailedError';
  constructor(
    readonly child: string,
    readonly code: number,
  ) {
    super(`the ${child} exited with code ${code} (its messages are above)`);
  }
}

type ErrorClass = abstract new (...args: never[]) => Error;

/** Error classes whose messages are written for the user, by the code they exit with. */
const USER_FACING: readonly (readonly [ErrorClass, ExitCode])[] = [
  [UsageError, EXIT_USAGE],
  [DataFormatError, EXIT_USAGE],
  [UnknownNetError, EXIT_USAGE],
  [UnknownSpecialistError, EXIT_USAGE],
  [InvalidSpecError, EXIT_USAGE],
  [ColumnsMismatchError, EXIT_USAGE],
  // --backend tensorflow-gpu without a working GPU (package, libcuda, CUDA, cuDNN or device missing).
  [GpuUnavailableError, EXIT_NO_DEVICE],
  [BackendUnavailableError, EXIT_USAGE],
  [ModelLoadError, EXIT_USAGE],
  [ModelSaveError, EXIT_USAGE],
  // kfkd predict: models that leave a needed column unpredicted, or predict one twice.
  [UncoveredColumnsError, EXIT_USAGE],
  [OverlappingModelsError, EXIT_USAGE],
  [PlotInputError, EXIT_USAGE],
  [CheckpointCorruptError, EXIT_USAGE],
  [CheckpointMismatchError, EXIT_USAGE],
  [CheckpointShrinkError, EXIT_USAGE],
  [CoordinatorConfigError, EXIT_USAGE],
  [WorkerConfigError, EXIT_USAGE],
  [WorkerRefusedError, EXIT_REFUSED],
  [ListenError, EXIT_FAILED],
  [MetricsListenError, EXIT_FAILED],
];

/** File-system and socket errors (they name the path or address they failed on): a bad path is the user's to fix, the rest may pass. */
const ERRNO_CODES: Readonly<Record<string, ExitCode>> = {
  ENOENT: EXIT_USAGE,
  EACCES: EXIT_USAGE,
  EISDIR: EXIT_USAGE,
  ENOTDIR: EXIT_USAGE,
  ENOSPC: EXIT_FAILED,
  EIO: EXIT_FAILED,
  EADDRINUSE: EXIT_FAILED,
};

/** The exit code of an error that reached the command line, and whether its message is written for the user. */
export function classifyFailure(error: unknown): { readonly code: ExitCode; readonly userFacing: boolean } {
  if (error instanceof ChildFailedError) return { code: childExitCode(error.code), userFacing: true };
  if (!(error instanceof Error)) return { code: EXIT_BUG, userFacing: false };
  for (const [kind, code] of USER_FACING) if (error instanceof kind) return { code, userFacing: true };
  const errno = (error as NodeJS.ErrnoException).code;
  if (typeof errno === 'string' && errno in ERRNO_CODES) return { code: ERRNO_CODES[errno], userFacing: true };
  return { code: EXIT_BUG, userFacing: false };
}

/**
 * Turns an error that reached the command line into one clear line on stderr
 * and an exit code. Errors the user can fix carry a message written for them;
 * anything else is a bug and shows its stack. Commander has already printed
 * its own parse errors (and --help, which exits 0).
 */
export function reportFailure(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_COMPLETE : EXIT_USAGE;
  const { code, userFacing } = classifyFailure(error);
  if (userFacing) {
    console.error(`kfkd: ${(error as Error).message}`);
    return code;
  }
  console.error('kfkd: unexpected failure (this is a bug):');
  console.error(error);
  return code;
}

/** A child's code passed on as ours; codes outside the table (a crash, a signal we did not send) count as run-time failures. */
function childExitCode(code: number): ExitCode {
  const known = EXIT_CODE_TABLE.find((row) => row.code === code);
  return known && code !== EXIT_COMPLETE ? known.code : EXIT_FAILED;
}
