/**
 * Where a trainer gets its loss and gradient sums from: this process's own
 * backend (LocalGradientSource) or, in distributed training, the workers.
 * The optimizer seam of the tutorial's training loop: sources compute, the
 * trainer applies.
 */
import type { StepPlan } from './step-plan.ts';

export interface StepSums {
  /** Sum over the step's samples of each sample's mean squared error (scaled units). */
  readonly lossSum: number;
  /**
   * Gradient of lossSum, flat, in the spec's parameter layout, as the sums of
   * consecutive parts of the batch in their fixed order: the trainer adds them
   * up in this order while it applies the update (nesterovUpdateSummed), so a
   * distributed step needs no separate pass to build the total.
   */
  readonly gradParts: readonly Float32Array[];
}

export interface GradientSource {
  /** Sums over the training rows of `plan` with its flips and dropout, at `parameters`. */
  trainStep(parameters: Float32Array, plan: StepPlan): Promise<StepSums>;
  /** Loss sum over every validation row (dropout off) at `parameters`, and how many rows that was. */
  validate(parameters: Float32Array): Promise<{ lossSum: number; count: number }>;
  /** Human-readable description for logs, e.g. 'local, cpu backend'. */
  describe(): string;
}
