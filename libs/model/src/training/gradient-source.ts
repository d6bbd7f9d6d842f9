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

/**
 * Buffers for gradient sums, each as long as the parameters, in the memory
 * the trainer's update runs over: a gradient written into one is used in
 * place (see optimizer/update-memory.ts). They are the trainer's again at
 * the next step.
 */
export interface GradientBuffers {
  take(): Float32Array;
}

export interface GradientSource {
  /**
   * Sums over the training rows of `plan` with its flips and dropout, at
   * `parameters`. Sources should write gradient parts into `gradients`'
   * buffers (any Float32Array is correct, only slower to apply).
   */
  trainStep(parameters: Float32Array, plan: StepPlan, gradients?: GradientBuffers): Promise<StepSums>;
  /** Loss sum over every validation row (dropout off) at `parameters`, and how many rows that was. */
  validate(parameters: Float32Array): Promise<{ lossSum: number; count: number }>;
  /** Human-readable description for logs, e.g. 'local, cpu backend'. */
  describe(): string;
}
