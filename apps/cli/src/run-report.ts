/**
 * What a training run tells its user on stdout, the same for `kfkd train`
 * and `kfkd coordinator` (and so `kfkd local`, which shows its
 * coordinator's): the banner, the tutorial's epoch table (with a progress
 * line on stderr while an epoch runs, on a terminal only) and the summary.
 */
import {
  EPOCH_TABLE_HEADER,
  epochTableRow,
  meanPredictorLoss,
  rmsePx,
  type EpochRecord,
  type NetSpec,
  type TrainerObserver,
  type TrainerState,
  type TrainingData,
  type TrainingResult,
} from '@kfkd/model';
import { type ProgressLine, progressLine } from './progress.ts';

export interface RunReportOptions {
  readonly spec: NetSpec;
  /** The --data file. */
  readonly dataFile: string;
  readonly prepared: TrainingData;
  readonly runDir: string;
  /** `kfkd coordinator`: workers compute, and the run directory holds checkpoints to resume from. */
  readonly distributed: boolean;
  /** Where the report's lines go; default stdout. */
  readonly print?: (line: string) => void;
  /** Default: a progress line on stderr. */
  readonly progress?: ProgressLine;
}

export class RunReport {
  /** Shows each epoch's row as it ends, and the progress of its steps. */
  readonly observer: TrainerObserver;
  private readonly print: (line: string) => void;
  private readonly progress: ProgressLine;
  /** The mean-keypoint predictor's validation RMSE (px), taken before training can touch the data. */
  private readonly baselineRmsePx: number;
  private headerShown = false;

  constructor(private readonly options: RunReportOptions) {
    this.print = options.print ?? ((line) => console.log(line));
    this.progress = options.progress ?? progressLine(process.stderr);
    this.baselineRmsePx = rmsePx(meanPredictorLoss(options.prepared));
    this.observer = {
      onStep: ({ epoch, step, steps, stepLoss }) => this.progress.update(`epoch ${epoch}: step ${step + 1}/${steps}, batch loss ${stepLoss.toFixed(6)}`),
      onEpoch: (record) => {
        this.progress.clear();
        this.row(record);
      },
    };
  }

  /** What is trained on what, and where the run directory is; a blank line follows. */
  banner(): void {
    const { spec, dataFile, prepared, runDir, distributed } = this.options;
    this.print(
      `training ${spec.name} on ${dataFile}: ${prepared.train.rows} train / ${prepared.valid.rows} valid rows ` +
        `(of ${prepared.sourceRows}; rows missing any of the net's ${spec.columns.length} columns are dropped), ` +
        `${spec.training.maxEpochs} epochs, batch ${spec.training.batchSize}${spec.training.flip ? ', flips' : ''}${distributed ? ', distributed' : ''}`,
    );
    this.print(`run directory: ${runDir}`);
    this.print('');
  }

  /** A run resumed from its checkpoint: where it goes on from, and the rows of the epochs it already has. */
  resumed(state: Pick<TrainerState, 'epoch' | 'step' | 'history'>): void {
    this.print(`resuming from the checkpoint in ${this.options.runDir}: epoch ${state.epoch}, step ${state.step}`);
    for (const record of state.history) this.row(record);
  }

  clearProgress(): void {
    this.progress.clear();
  }

  /**
   * After a blank line: how training ended, the validation RMSE of the model
   * saved (the best epoch's after early stopping) beside the mean-keypoint
   * predictor's, and where the model is.
   */
  summary(result: Pick<TrainingResult, 'history' | 'stopReason' | 'bestEpoch'>, modelDir: string): void {
    this.progress.clear();
    const { history, stopReason, bestEpoch } = result;
    this.print('');
    if (stopReason === 'early-stopping') this.print(`early stopping: best valid loss at epoch ${bestEpoch}, its weights restored`);
    if (stopReason === 'aborted') {
      this.print(`interrupted after ${history.length} complete epochs${this.options.distributed ? `; checkpoint saved in ${this.options.runDir}` : ''}`);
    }
    const last = history.at(-1);
    if (last) {
      const final = stopReason === 'early-stopping' ? history[bestEpoch! - 1] : last;
      this.print(`valid RMSE ${final.validRmsePx.toFixed(3)} px (mean-keypoint predictor: ${this.baselineRmsePx.toFixed(3)} px)`);
    }
    this.print(`saved model to ${modelDir}`);
  }

  /** One row of the epoch table, the header before the first. */
  private row(record: EpochRecord): void {
    if (!this.headerShown) this.print(EPOCH_TABLE_HEADER);
    this.headerShown = true;
    this.print(epochTableRow(record));
  }
}
