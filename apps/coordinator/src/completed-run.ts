/**
 * Whether the run in a run directory is already over, from its checkpoint:
 * started again (a batch system restarting a finished pod, a user running the
 * same command twice), a finished run must not train, re-save its model or
 * wait for workers. More --epochs than the checkpoint's run reopen a run that
 * completed; a run that early stopping ended stays ended.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MODEL_DIR, type StopReason, type TrainerState, finishedBy } from '@kfkd/model';
import { type RunIdentity, checkpointPath, loadCheckpoint } from './checkpoint.ts';

export interface CompletedRun {
  readonly reason: Exclude<StopReason, 'aborted'>;
  /** The checkpoint's state: its parameters are the final model's. */
  readonly state: TrainerState;
  readonly checkpoint: string;
  readonly modelDir: string;
  /** False when the process died between the last checkpoint and the model's save. */
  readonly modelSaved: boolean;
}

/**
 * The finished run in `runDir` (its latest checkpoint), or null when there
 * is none (no checkpoint, or training goes on from it).
 * @throws CheckpointCorruptError, CheckpointMismatchError, CheckpointShrinkError as a resume would
 */
export async function completedRun(runDir: string, identity: RunIdentity, maxEpochs: number): Promise<CompletedRun | null> {
  const state = await loadCheckpoint(runDir, identity);
  const reason = state ? finishedBy(state, maxEpochs) : null;
  if (!state || !reason) return null;
  const modelDir = join(runDir, MODEL_DIR);
  return { reason, state, checkpoint: checkpointPath(runDir), modelDir, modelSaved: await isModelSaved(modelDir) };
}

/** Whether `modelDir` holds a saved model (it is replaced as a whole, so model.json tells). */
export async function isModelSaved(modelDir: string): Promise<boolean> {
  return stat(join(modelDir, 'model.json')).then(
    () => true,
    () => false,
  );
}
