import { dropoutSeedsFor } from '../dropout.ts';
import type { GradientComputer } from '../gradients.ts';
import type { GradientBuffers, GradientSource, StepSums } from './gradient-source.ts';
import type { StepPlan } from './step-plan.ts';
import { type TrainingData, batchOf } from './training-data.ts';

/** Computes every step in this process, on the current tfjs backend. */
export class LocalGradientSource implements GradientSource {
  constructor(
    private readonly computer: GradientComputer,
    private readonly data: TrainingData,
    private readonly backendName: string,
  ) {}

  async trainStep(parameters: Float32Array, plan: StepPlan, gradients?: GradientBuffers): Promise<StepSums> {
    this.computer.setParameters(parameters);
    const batch = batchOf(this.data.train, plan.rows);
    const { lossSum, gradSum } = this.computer.computeGradients({
      ...batch,
      flipMask: plan.flipMask ?? undefined,
      dropoutSeeds: dropoutSeedsFor(plan.dropoutSeed, 0, plan.rows.length),
    });
    if (!gradients) return { lossSum, gradParts: [gradSum] };
    // One memcpy buys the SIMD update (several times faster than updating from this array).
    const part = gradients.take();
    part.set(gradSum);
    return { lossSum, gradParts: [part] };
  }

  async validate(parameters: Float32Array): Promise<{ lossSum: number; count: number }> {
    this.computer.setParameters(parameters);
    const { pixels, targets, rows } = this.data.valid;
    return { lossSum: this.computer.evaluate({ pixels, targets }), count: rows };
  }

  describe(): string {
    return `local, ${this.backendName} backend`;
  }
}
