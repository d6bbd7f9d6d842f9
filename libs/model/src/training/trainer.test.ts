import { describe, expect, it } from 'vitest';
import { netSpec } from '../net-specs/index.ts';
import type { NetSpec } from '../net-specs/index.ts';
import type { GradientSource, StepSums } from './gradient-source.ts';
import type { StepPlan } from './step-plan.ts';
import { type TrainerState, finishedBy, train } from './trainer.ts';

/**
 * A source whose loss is the mean over samples of (theta - 3)^2 for a single
 * parameter, so every number the trainer produces can be checked by hand.
 */
class QuadraticSource implements GradientSource {
  readonly plans: StepPlan[] = [];
  constructor(private readonly validLosses: number[] = []) {}
  async trainStep(parameters: Float32Array, plan: StepPlan): Promise<StepSums> {
    this.plans.push(plan);
    const n = plan.rows.length;
    const d = parameters[0] - 3;
    return { lossSum: n * d * d, gradParts: [Float32Array.of(n * 2 * d)] };
  }
  async validate(parameters: Float32Array): Promise<{ lossSum: number; count: number }> {
    const scripted = this.validLosses.shift();
    const d = parameters[0] - 3;
    return { lossSum: 10 * (scripted ?? d * d), count: 10 };
  }
  describe(): string {
    return 'quadratic';
  }
}

function spec(overrides: Partial<NetSpec['training']>): NetSpec {
  const base = netSpec('net1');
  return { ...base, training: { ...base.training, ...overrides } };
}

describe('train', () => {
  it('walks the batches in order, divides the summed gradient by the batch size and applies Nesterov momentum', async () => {
    const source = new QuadraticSource();
    const parameters = Float32Array.of(0);
    const s = spec({ maxEpochs: 1, batchSize: 4, learningRate: { kind: 'constant', value: 0.1 }, momentum: { kind: 'constant', value: 0.5 } });
    const result = await train({ spec: s, source, trainRows: 10, parameters, seed: 1 });
    expect(source.plans.map((p) => Array.from(p.rows))).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    // By hand: g = 2(theta-3); v = mu v - lr g; theta += mu v - lr g.
    let theta = 0;
    let v = 0;
    const losses: number[] = [];
    for (let step = 0; step < 3; step++) {
      losses.push((theta - 3) ** 2);
      const g = 2 * (theta - 3);
      v = 0.5 * v - 0.1 * g;
      theta += 0.5 * v - 0.1 * g;
    }
    expect(result.parameters[0]).toBeCloseTo(theta, 5);
    expect(parameters[0]).toBe(0); // the caller's array is not modified
    const [epoch] = result.history;
    expect(epoch.trainLoss).toBeCloseTo((losses[0] + losses[1] + losses[2]) / 3, 4);
    expect(epoch.validLoss).toBeCloseTo((theta - 3) ** 2, 4);
    expect(epoch.validRmsePx).toBeCloseTo(Math.sqrt(epoch.validLoss) * 48, 6);
    expect(result.stopReason).toBe('completed');
  });

  // nolearn's AdjustVariable sets the value for the NEXT epoch from linspace[epoch - 1]
  // after each epoch, so epochs 1 and 2 both run at the start value.
  it('records the scheduled learning rate and momentum of every epoch', async () => {
    const s = spec({ maxEpochs: 3, batchSize: 10, learningRate: { kind: 'linear', start: 0.03, stop: 0.0001 }, momentum: { kind: 'linear', start: 0.9, stop: 0.999 } });
    const result = await train({ spec: s, source: new QuadraticSource(), trainRows: 10, parameters: Float32Array.of(0), seed: 1 });
    expect(result.history.map((r) => r.learningRate)).toEqual([0.03, 0.03, 0.01505].map(Math.fround));
    expect(result.history.map((r) => r.momentum)).toEqual([0.9, 0.9, 0.9495].map(Math.fround));
  });

  it('plans the same flips for the same seed and different flips for another', async () => {
    const s = spec({ maxEpochs: 2, batchSize: 8, flip: true });
    const a = new QuadraticSource();
    const b = new QuadraticSource();
    const c = new QuadraticSource();
    await train({ spec: s, source: a, trainRows: 16, parameters: Float32Array.of(0), seed: 5 });
    await train({ spec: s, source: b, trainRows: 16, parameters: Float32Array.of(0), seed: 5 });
    await train({ spec: s, source: c, trainRows: 16, parameters: Float32Array.of(0), seed: 6 });
    const masks = (src: QuadraticSource) => src.plans.map((p) => Array.from(p.flipMask!));
    expect(masks(a)).toEqual(masks(b));
    expect(masks(a)).not.toEqual(masks(c));
    for (const m of masks(a)) expect(m.reduce((x, y) => x + y)).toBe(4);
  });

  it('stops early when the valid loss has not improved for `patience` epochs and restores the best weights', async () => {
    const s = spec({ maxEpochs: 50, batchSize: 10, earlyStopping: { patience: 2 } });
    const seen: Float32Array[] = [];
    const source = new QuadraticSource([5, 4, 1, 2, 3, 4, 5]);
    const result = await train({
      spec: s,
      source,
      trainRows: 10,
      parameters: Float32Array.of(0),
      seed: 1,
      observers: [{ onEpoch: () => void seen.push(Float32Array.of(source.plans.length)) }],
    });
    expect(result.stopReason).toBe('early-stopping');
    expect(result.bestEpoch).toBe(3);
    // best_epoch + patience < epoch first holds at epoch 6.
    expect(result.history).toHaveLength(6);
    expect(seen).toHaveLength(6);
  });

  it('an early-stopped run resumed from its last state stays stopped: no step, no epoch, even with more epochs', async () => {
    const s = spec({ maxEpochs: 50, batchSize: 10, earlyStopping: { patience: 2 } });
    let last: TrainerState | null = null;
    const first = await train({
      spec: s,
      source: new QuadraticSource([5, 4, 1, 2, 3, 4, 5]),
      trainRows: 10,
      parameters: Float32Array.of(0),
      seed: 1,
      observers: [{ onEpoch: (_, state) => void (last = state()) }],
    });
    expect(first.stopReason).toBe('early-stopping');
    expect(finishedBy(last!, 50)).toBe('early-stopping');
    expect(finishedBy(last!, 500)).toBe('early-stopping');
    const source = new QuadraticSource();
    const resumed = await train({ spec: spec({ maxEpochs: 60, batchSize: 10, earlyStopping: { patience: 2 } }), source, trainRows: 10, parameters: Float32Array.of(9), seed: 1, resume: last! });
    expect(resumed.stopReason).toBe('early-stopping');
    expect(source.plans).toHaveLength(0);
    expect(resumed.history).toHaveLength(6);
    expect(resumed.bestEpoch).toBe(3);
    expect(resumed.parameters[0]).toBe(first.parameters[0]);
  });

  it('finishedBy: a run is over after its last epoch, not after an epoch early stopping let pass, and more epochs reopen a completed run', async () => {
    const s = spec({ maxEpochs: 3, batchSize: 10, earlyStopping: { patience: 5 } });
    const states: TrainerState[] = [];
    const result = await train({ spec: s, source: new QuadraticSource([5, 6, 7]), trainRows: 10, parameters: Float32Array.of(0), seed: 1, observers: [{ onEpoch: (_, state) => void states.push(state()) }] });
    expect(result.stopReason).toBe('completed');
    expect(states.map((state) => finishedBy(state, 3))).toEqual([null, null, 'completed']);
    expect(finishedBy(states[2], 4)).toBeNull();
    expect(finishedBy(result.state, 3)).toBe('completed');
  });

  it('stops between steps when aborted, keeping the epochs completed', async () => {
    const controller = new AbortController();
    const s = spec({ maxEpochs: 10, batchSize: 5 });
    const result = await train({
      spec: s,
      source: new QuadraticSource(),
      trainRows: 10,
      parameters: Float32Array.of(0),
      seed: 1,
      signal: controller.signal,
      observers: [{ onEpoch: (r) => void (r.epoch === 2 && controller.abort()) }],
    });
    expect(result.stopReason).toBe('aborted');
    expect(result.history.map((r) => r.epoch)).toEqual([1, 2]);
  });

  it('resumes from a mid-epoch state exactly where an uninterrupted run would be', async () => {
    const s = spec({
      maxEpochs: 4,
      batchSize: 3,
      flip: true,
      learningRate: { kind: 'linear', start: 0.1, stop: 0.01 },
      momentum: { kind: 'linear', start: 0.5, stop: 0.9 },
      earlyStopping: { patience: 10 },
    });
    const whole = await train({ spec: s, source: new QuadraticSource(), trainRows: 10, parameters: Float32Array.of(0), seed: 3 });

    const controller = new AbortController();
    let steps = 0;
    const first = await train({
      spec: s,
      source: new QuadraticSource(),
      trainRows: 10,
      parameters: Float32Array.of(0),
      seed: 3,
      signal: controller.signal,
      observers: [{ onStep: () => void (++steps === 6 && controller.abort()) }],
    });
    expect(first.stopReason).toBe('aborted');
    expect(first.state).toMatchObject({ epoch: 2, step: 2 });
    // Through JSON and back, as a checkpoint file would carry it.
    const saved = JSON.parse(JSON.stringify({ ...first.state, parameters: [...first.state.parameters], velocity: [...first.state.velocity] })) as Record<string, unknown>;
    const resumed = await train({
      spec: s,
      source: new QuadraticSource(),
      trainRows: 10,
      parameters: Float32Array.of(123),
      seed: 3,
      resume: {
        ...(saved as unknown as Parameters<typeof train>[0]['resume'] & object),
        parameters: Float32Array.from(saved.parameters as number[]),
        velocity: Float32Array.from(saved.velocity as number[]),
        bestWeights: saved.bestWeights ? Float32Array.from(Object.values(saved.bestWeights as Record<string, number>)) : null,
      },
    });
    expect(resumed.parameters[0]).toBe(whole.parameters[0]);
    const strip = (h: readonly { seconds: number }[]) => h.map((r) => ({ ...r, seconds: 0 }));
    expect(strip(resumed.history)).toEqual(strip(whole.history));
  });
});
