/**
 * Typed errors of @kfkd/model. Each carries the context a caller needs to
 * report or handle it without parsing the message.
 */

/** Thrown when a net name is neither a known net nor `<known>-specialist-<1..6>`. */
export class UnknownNetError extends Error {
  override readonly name = 'UnknownNetError';
  constructor(
    readonly netName: string,
    readonly known: readonly string[],
  ) {
    super(`unknown net '${netName}'; known nets: ${known.join(', ')} (and '<net>-specialist-<1..6>')`);
  }
}

/** Thrown when a net spec (built in code or read from JSON) is malformed or its shapes do not work out. */
export class InvalidSpecError extends Error {
  override readonly name = 'InvalidSpecError';
  constructor(
    readonly specName: string,
    readonly problem: string,
  ) {
    super(`invalid net spec '${specName}': ${problem}`);
  }
}

/** Thrown when a specialist group index is outside 1..6. */
export class UnknownSpecialistError extends Error {
  override readonly name = 'UnknownSpecialistError';
  constructor(readonly group: number) {
    super(`unknown specialist group ${group}; groups are 1..6`);
  }
}

/** Thrown when a flat array (parameters, gradients, velocities) or a batch array has the wrong length. */
export class SizeMismatchError extends Error {
  override readonly name = 'SizeMismatchError';
  constructor(
    /** What was wrong, e.g. 'parameters' or 'targets'. */
    readonly what: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`${what}: expected length ${expected}, got ${actual}`);
  }
}

/** One backend the selector tried and why it could not be used. */
export interface BackendAttempt {
  /** Package or backend name, e.g. '@tensorflow/tfjs-node-gpu' or 'wasm'. */
  readonly candidate: string;
  /** 'not-installed' when the package is absent, 'failed' when present but it would not load/initialise. */
  readonly outcome: 'not-installed' | 'failed';
  readonly detail: string;
}

/** Thrown when an explicitly requested compute backend cannot be loaded or initialised. */
export class BackendUnavailableError extends Error {
  override readonly name = 'BackendUnavailableError';
  constructor(
    readonly choice: string,
    readonly attempts: readonly BackendAttempt[],
    hint: string,
  ) {
    const tried = attempts.map((a) => `${a.candidate}: ${a.outcome === 'not-installed' ? 'not installed' : a.detail}`).join('; ');
    super(`backend '${choice}' is not available (${tried}). ${hint}`);
  }
}

/** What a GPU run needs, in the order it is checked: the npm package, the driver, the CUDA runtime, cuDNN, a visible device. */
export type GpuPiece = 'package' | 'libcuda' | 'cuda-runtime' | 'cudnn' | 'device';

/**
 * Thrown when `--backend tensorflow-gpu` cannot compute on a GPU: `piece`
 * names what is missing (the npm package, the driver's libcuda, the CUDA
 * runtime libraries, cuDNN, or a visible device). The message is one line
 * naming it and the fix.
 */
export class GpuUnavailableError extends Error {
  override readonly name = 'GpuUnavailableError';
  constructor(
    readonly piece: GpuPiece,
    detail: string,
  ) {
    super(`--backend tensorflow-gpu: ${detail}`);
  }
}

export type ModelLoadProblem =
  | 'missing-directory'
  | 'missing-model-json'
  | 'corrupt-model-json'
  | 'missing-weights'
  | 'weights-size-mismatch'
  | 'missing-spec'
  | 'corrupt-spec'
  | 'spec-mismatch';

/** Thrown when a saved model directory cannot be loaded: missing, incomplete, corrupt or inconsistent. */
export class ModelLoadError extends Error {
  override readonly name = 'ModelLoadError';
  constructor(
    readonly problem: ModelLoadProblem,
    /** The file or directory at fault. */
    readonly path: string,
    detail: string,
  ) {
    super(`cannot load model from ${path}: ${detail}`);
  }
}

/** Thrown when a model cannot be saved, e.g. the target directory holds files that are not a saved model. */
export class ModelSaveError extends Error {
  override readonly name = 'ModelSaveError';
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`cannot save model to ${path}: ${detail}`);
  }
}

/** Thrown when a data set cannot train a net: it lacks some of the net's columns, or too few rows have all of them. */
export class ColumnsMismatchError extends Error {
  override readonly name = 'ColumnsMismatchError';
  constructor(
    readonly netName: string,
    /** The net's columns the data set does not have. */
    readonly missing: readonly string[],
    /** Rows where all the net's columns are present (when that was the problem). */
    readonly completeRows?: number,
  ) {
    super(
      missing.length > 0
        ? `the data has no column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, which net '${netName}' predicts`
        : `only ${completeRows} rows have every column net '${netName}' predicts; at least 2 are needed for a train/valid split`,
    );
  }
}

/** How several models can predict every column: the end of both merge refusals. */
const MERGE_HINT = 'a general net given with --fallback supplies the columns the other models lack';

/**
 * Thrown when the models of a prediction leave columns unpredicted that the
 * output needs: all 30 when several models are merged, or the FeatureNames of
 * a lookup table for a submission.
 */
export class UncoveredColumnsError extends Error {
  override readonly name = 'UncoveredColumnsError';
  constructor(
    /** The columns no model predicts, in Kaggle order. */
    readonly columns: readonly string[],
    /** Why they are needed, e.g. 'IdLookupTable.csv asks for them'. */
    readonly neededBecause: string,
  ) {
    super(`no model given predicts ${columnList(columns)}: ${neededBecause} (add models that predict them; ${MERGE_HINT})`);
  }
}

/** Columns two or more models predict, and those models. */
export interface ModelOverlap {
  readonly models: readonly string[];
  readonly columns: readonly string[];
}

/**
 * Thrown when two or more merged models (none of them the fallback) predict
 * the same columns: nothing says which of them to believe.
 */
export class OverlappingModelsError extends Error {
  override readonly name = 'OverlappingModelsError';
  constructor(
    readonly overlaps: readonly ModelOverlap[],
    /** Whether a fallback was given (it is not among the overlapping models). */
    readonly hadFallback: boolean,
  ) {
    const each = overlaps.map((o) => `${o.models.join(' and ')} ${o.models.length === 2 ? 'both' : 'all'} predict ${columnList(o.columns)}`);
    super(`${each.join('; ')}: each column must come from one model (${hadFallback ? 'only the --fallback model may be overridden' : MERGE_HINT + ' and loses every column they predict'})`);
  }
}

function columnList(columns: readonly string[]): string {
  return columns.length > 2 ? `${columns.join(', ')} (${columns.length} columns)` : columns.join(', ');
}
