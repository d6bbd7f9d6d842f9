/**
 * The tutorial's EarlyStopping callback: remember the best validation loss and
 * a copy of the weights at that epoch; when an epoch does not improve and
 * best_epoch + patience < epoch, restore the best weights and stop.
 * Only the weights are restored (nolearn's load_params_from), not the
 * optimizer's velocities.
 */
import { SizeMismatchError } from '../errors.ts';

export type EarlyStoppingAction = 'improved' | 'continue' | 'stop';

export interface EarlyStoppingState {
  readonly patience: number;
  /** null before the first epoch (Python's np.inf). */
  readonly bestValidLoss: number | null;
  /** 0 before the first epoch. */
  readonly bestEpoch: number;
}

export class EarlyStopping {
  private bestValid = Infinity;
  private bestEpochNo = 0;
  private best: Float32Array | null = null;

  constructor(readonly patience: number) {
    if (!(Number.isInteger(patience) && patience >= 0)) throw new RangeError(`patience must be an integer >= 0, got ${patience}`);
  }

  /** Resumes from a checkpoint (state plus the best weights, if any). */
  static fromState(state: EarlyStoppingState, bestWeights: Float32Array | null): EarlyStopping {
    const es = new EarlyStopping(state.patience);
    es.bestValid = state.bestValidLoss ?? Infinity;
    es.bestEpochNo = state.bestEpoch;
    es.best = bestWeights ? bestWeights.slice() : null;
    return es;
  }

  get bestValidLoss(): number {
    return this.bestValid;
  }

  get bestEpoch(): number {
    return this.bestEpochNo;
  }

  /** The copy of the weights at the best epoch (null before the first improvement). */
  get bestWeights(): Float32Array | null {
    return this.best;
  }

  state(): EarlyStoppingState {
    return { patience: this.patience, bestValidLoss: Number.isFinite(this.bestValid) ? this.bestValid : null, bestEpoch: this.bestEpochNo };
  }

  /**
   * Call after each epoch with its validation loss and the current weights.
   * 'improved': the weights were copied as the new best. 'stop': training
   * must end; `weights` has been overwritten in place with the best weights.
   */
  observe(epoch: number, validLoss: number, weights: Float32Array): EarlyStoppingAction {
    if (validLoss < this.bestValid) {
      this.bestValid = validLoss;
      this.bestEpochNo = epoch;
      if (this.best && this.best.length === weights.length) this.best.set(weights);
      else this.best = weights.slice();
      return 'improved';
    }
    if (this.bestEpochNo + this.patience < epoch) {
      if (this.best) {
        if (this.best.length !== weights.length) throw new SizeMismatchError('weights', this.best.length, weights.length);
        weights.set(this.best);
      }
      return 'stop';
    }
    return 'continue';
  }
}
