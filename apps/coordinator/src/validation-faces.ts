/**
 * The dashboard's sample predictions: the first 16 validation faces with
 * the net's predicted keypoints (and the true ones), recomputed on the
 * coordinator every few epochs. A forward pass of 16 images is cheap next to
 * an epoch, so it does not need the workers.
 */
import { unscaleTargets } from '@kfkd/data';
import { GradientComputer, type NetSpec, type TrainingRows } from '@kfkd/model';
import type { PredictedFace } from './watch-journal.ts';

export const FACE_COUNT = 16;

export class ValidationFaces {
  private computer: GradientComputer | null = null;
  private readonly count: number;

  constructor(
    private readonly spec: NetSpec,
    private readonly valid: TrainingRows,
  ) {
    this.count = Math.min(FACE_COUNT, valid.rows);
  }

  /** The faces with keypoints predicted at `parameters`. */
  predict(parameters: Float32Array): PredictedFace[] {
    // Built with the parameters to predict with: no initial parameters drawn only to be replaced.
    if (this.computer) this.computer.setParameters(parameters);
    else this.computer = new GradientComputer(this.spec, { parameters });
    const side = this.valid.pixels.length / Math.max(1, this.valid.rows);
    const outputs = this.spec.outputs;
    const pixels = this.valid.pixels.subarray(0, this.count * side);
    const predicted = unscaleTargets(this.computer.predict(pixels));
    const truth = unscaleTargets(this.valid.targets.subarray(0, this.count * outputs));
    return Array.from({ length: this.count }, (_, i) => ({
      pixels: pixels.subarray(i * side, (i + 1) * side),
      predicted: predicted.subarray(i * outputs, (i + 1) * outputs),
      truth: truth.subarray(i * outputs, (i + 1) * outputs),
    }));
  }

  dispose(): void {
    this.computer?.dispose();
    this.computer = null;
  }
}
