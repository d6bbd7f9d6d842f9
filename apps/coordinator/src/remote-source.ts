/**
 * The trainer's GradientSource in distributed training: each step's global
 * batch and the validation rows are computed by the workers (see pool.ts),
 * and their sums are handed to the trainer in a fixed order (by batch
 * position), which adds them up while it applies the update. Every part was
 * validated (sizes, NaN/Inf) when it arrived, so a rejected result never
 * reaches the parameters.
 */
import type { GradientBuffers, GradientSource, StepPlan, StepSums } from '@kfkd/model';
import type { WorkerPool } from './pool.ts';
import type { PartResult } from './step-job.ts';

/** What the source tells its observer (the metrics) about the steps it runs. */
export interface GradientSourceObserver {
  /** A training step starts: its batch is handed to the pool. */
  stepStarted?(): void;
  /** The parts of a step are in their fixed order, after `reduceSeconds` of putting them there. */
  sumsReady?(reduceSeconds: number): void;
}

export class RemoteGradientSource implements GradientSource {
  /** The epoch of the last training step: validation tasks are tagged with it. */
  private epoch = 0;

  constructor(
    private readonly pool: Pick<WorkerPool, 'compute' | 'memberCount'>,
    private readonly parameterCount: number,
    private readonly validRows: number,
    private readonly observer: GradientSourceObserver = {},
  ) {}

  /** The workers' gradients are received straight into `gradients`' buffers. */
  async trainStep(parameters: Float32Array, plan: StepPlan, gradients?: GradientBuffers): Promise<StepSums> {
    this.epoch = plan.epoch;
    this.observer.stepStarted?.();
    const items = Array.from(plan.rows, (row, position) => ({ row, position }));
    const parts = await this.pool.compute({
      part: 'train',
      epoch: plan.epoch,
      step: plan.step,
      parameters,
      items,
      flipMask: plan.flipMask,
      dropoutSeed: plan.dropoutSeed,
      gradients,
    });
    checkCoverage(parts, items.length);
    const reduceStart = performance.now();
    let lossSum = 0;
    const gradParts: Float32Array[] = [];
    for (const part of parts) {
      lossSum += part.lossSum;
      if (!part.gradSum || part.gradSum.length !== this.parameterCount) throw new Error('internal error: a training part without a full gradient');
      gradParts.push(part.gradSum);
    }
    this.observer.sumsReady?.((performance.now() - reduceStart) / 1000);
    return { lossSum, gradParts };
  }

  async validate(parameters: Float32Array): Promise<{ lossSum: number; count: number }> {
    const items = Array.from({ length: this.validRows }, (_, row) => ({ row, position: row }));
    const parts = await this.pool.compute({ part: 'valid', epoch: this.epoch, step: 0, parameters, items, flipMask: null, dropoutSeed: 0 });
    checkCoverage(parts, items.length);
    return { lossSum: parts.reduce((sum, p) => sum + p.lossSum, 0), count: this.validRows };
  }

  describe(): string {
    return `distributed, ${this.pool.memberCount} workers`;
  }
}

/** The pool guarantees it; a broken guarantee must never reach the parameters. */
function checkCoverage(parts: readonly PartResult[], expected: number): void {
  const count = parts.reduce((sum, p) => sum + p.count, 0);
  if (count !== expected) throw new Error(`internal error: ${count} rows computed for a job of ${expected}`);
}
