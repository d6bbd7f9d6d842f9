/**
 * What `kfkd pipeline` prints about its pool of jobs on stdout: each job's
 * epoch rows (the tutorial's table) prefixed by the job's name, since the
 * jobs train side by side and their rows interleave; a line when a job
 * starts, resumes, ends, early-stops or is interrupted; and a line when a
 * worker joins a job or moves from one job to another.
 */
import {
  EPOCH_TABLE_HEADER,
  epochTableRow,
  meanPredictorLoss,
  rmsePx,
  type NetSpec,
  type TrainerObserver,
  type TrainerState,
  type TrainingData,
  type TrainingResult,
} from '@kfkd/model';

/** A job as the report introduces it. */
export interface ReportedJob {
  readonly spec: NetSpec;
  readonly prepared: TrainingData;
  readonly runDir: string;
}

export class PoolReport {
  private readonly width: number;
  private readonly headerShown = new Set<string>();
  /** The mean-keypoint predictor's validation RMSE (px) of each job's columns and rows. */
  private readonly baselines = new Map<string, number>();
  /** Each worker's job as last reported (in transit and parked workers keep their last job). */
  private readonly lastJob = new Map<string, string>();

  /** `jobs`: every job's name, to align the prefixes. */
  constructor(
    jobs: readonly string[],
    private readonly print: (line: string) => void = (line) => console.log(line),
  ) {
    this.width = Math.max(...jobs.map((j) => j.length));
  }

  /** A line of a job, prefixed by its name. */
  line(job: string, text: string): void {
    this.print(`[${job.padEnd(this.width)}] ${text}`);
  }

  started(job: string, { spec, prepared, runDir }: ReportedJob): void {
    this.baselines.set(job, rmsePx(meanPredictorLoss(prepared)));
    this.line(
      job,
      `${spec.name}: ${count(spec.columns.length / 2, 'keypoint')}, ${prepared.train.rows} train / ${prepared.valid.rows} valid rows, ` +
        `${count(spec.training.maxEpochs, 'epoch')}${spec.training.earlyStopping ? ` (early stopping, patience ${spec.training.earlyStopping.patience})` : ''}, ` +
        `batch ${spec.training.batchSize}${spec.training.flip ? ', flips' : ''}; run directory ${runDir}`,
    );
  }

  resumed(job: string, state: Pick<TrainerState, 'epoch' | 'step' | 'history'>): void {
    const last = state.history.at(-1);
    this.line(job, `resuming from its checkpoint: epoch ${state.epoch}, step ${state.step}${last ? ` (valid RMSE ${last.validRmsePx.toFixed(3)} px after epoch ${last.epoch})` : ''}`);
  }

  /** The job's epoch rows, the table's header before the first. */
  observer(job: string): TrainerObserver {
    return {
      onEpoch: (record) => {
        if (!this.headerShown.has(job)) for (const header of EPOCH_TABLE_HEADER.split('\n')) this.line(job, header);
        this.headerShown.add(job);
        this.line(job, epochTableRow(record));
      },
    };
  }

  /** How the job's training ended, and the validation RMSE of the model it saved. */
  ended(job: string, result: Pick<TrainingResult, 'history' | 'stopReason' | 'bestEpoch'>, maxEpochs: number, modelDir: string): void {
    const { history, stopReason, bestEpoch } = result;
    if (stopReason === 'aborted') {
      this.line(job, `interrupted after ${count(history.length, 'complete epoch')}; checkpoint saved`);
      return;
    }
    const kept = stopReason === 'early-stopping' && bestEpoch !== null ? history[bestEpoch - 1] : history.at(-1);
    const how = stopReason === 'early-stopping' ? `early stopping after epoch ${history.length} of ${maxEpochs}: best valid loss at epoch ${bestEpoch}, its weights kept` : `finished ${count(history.length, 'epoch')}`;
    const baseline = this.baselines.get(job);
    const rmse = kept ? `; valid RMSE ${kept.validRmsePx.toFixed(3)} px${baseline === undefined ? '' : ` (mean-keypoint predictor ${baseline.toFixed(3)} px)`}` : '';
    this.line(job, `${how}${rmse}; model ${modelDir}`);
  }

  /** The job's run directory held a finished run: nothing trained. */
  alreadyFinished(job: string, epochs: number, modelDir: string): void {
    this.line(job, `already finished (${count(epochs, 'epoch')}): not trained again; model ${modelDir}`);
  }

  /** Stopped while it waited for workers: its last epoch's checkpoint stands. */
  stoppedWaiting(job: string): void {
    this.line(job, "interrupted while waiting for workers; its last epoch's checkpoint is kept");
  }

  /**
   * Where the workers are now (PoolCoordinator.placement(): a job, 'parked',
   * or '-> job' while moving): a line for each that joined a job or moved
   * to another since the last call.
   */
  placement(now: ReadonlyMap<string, string>): void {
    for (const [worker, where] of now) {
      if (where === 'parked' || where.startsWith('-> ')) continue;
      const before = this.lastJob.get(worker);
      if (before === where) continue;
      this.lastJob.set(worker, where);
      this.print(before === undefined ? `worker ${worker} joins ${where}` : `worker ${worker} moves from ${before} to ${where}`);
    }
  }
}

/** "1 epoch", "2 epochs". */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
