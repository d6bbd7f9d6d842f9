import { describe, expect, it } from 'vitest';
import { type StepPlan, nesterovUpdate, nesterovUpdateSummed } from '@kfkd/model';
import type { Job, PartResult } from './pool.ts';
import { type GradientSourceObserver, RemoteGradientSource } from './remote-source.ts';

const N = 5;
const plan: StepPlan = { epoch: 1, step: 0, rows: Uint32Array.of(0, 1, 2, 3), flipMask: null, dropoutSeed: 9 };

function sourceWith(parts: PartResult[], observer?: GradientSourceObserver): { source: RemoteGradientSource; jobs: Job[] } {
  const jobs: Job[] = [];
  const pool = {
    memberCount: parts.length,
    compute: async (job: Job): Promise<PartResult[]> => {
      jobs.push(job);
      return parts;
    },
  };
  return { source: new RemoteGradientSource(pool, N, 0, observer), jobs };
}

describe('RemoteGradientSource', () => {
  it('hands the parts over in the pool order, and the fused update equals sum-then-update', async () => {
    const g0 = Float32Array.of(1e8, 1, 0.5, -2, 3);
    const g1 = Float32Array.of(1, 1e8, 0.25, 2, -3);
    const g2 = Float32Array.of(-1e8, -1e8, 0.125, 1, 1);
    const { source, jobs } = sourceWith([
      { firstPosition: 0, count: 1, lossSum: 1, gradSum: g0 },
      { firstPosition: 1, count: 2, lossSum: 2, gradSum: g1 },
      { firstPosition: 3, count: 1, lossSum: 4, gradSum: g2 },
    ]);
    const sums = await source.trainStep(new Float32Array(N), plan);
    expect(jobs[0].items.map((i) => i.position)).toEqual([0, 1, 2, 3]);
    expect(sums.lossSum).toBe(7);
    expect(sums.gradParts).toEqual([g0, g1, g2]);
    const sum = new Float32Array(N);
    for (const g of [g0, g1, g2]) for (let i = 0; i < N; i++) sum[i] += g[i];
    const [p1, v1, p2, v2] = [new Float32Array(N).fill(1), new Float32Array(N).fill(0.1), new Float32Array(N).fill(1), new Float32Array(N).fill(0.1)];
    nesterovUpdate(p1, v1, sum, 0.01, 0.9, 1 / 4);
    nesterovUpdateSummed(p2, v2, sums.gradParts, 0.01, 0.9, 1 / 4);
    expect([...p2]).toEqual([...p1]);
    expect([...v2]).toEqual([...v1]);
  });

  it('refuses parts that do not cover the batch or lack a full gradient', async () => {
    await expect(sourceWith([{ firstPosition: 0, count: 3, lossSum: 1, gradSum: new Float32Array(N) }]).source.trainStep(new Float32Array(N), plan)).rejects.toThrow(/3 rows computed for a job of 4/);
    await expect(sourceWith([{ firstPosition: 0, count: 4, lossSum: 1, gradSum: new Float32Array(N - 1) }]).source.trainStep(new Float32Array(N), plan)).rejects.toThrow(/full gradient/);
    await expect(sourceWith([{ firstPosition: 0, count: 4, lossSum: 1, gradSum: null }]).source.trainStep(new Float32Array(N), plan)).rejects.toThrow(/full gradient/);
  });

  it('tells its observer when a training step starts and when its sums are ready, not for validation', async () => {
    const events: string[] = [];
    const observer: GradientSourceObserver = { stepStarted: () => events.push('started'), sumsReady: (seconds) => events.push(`ready ${seconds >= 0}`) };
    const { source, jobs } = sourceWith([{ firstPosition: 0, count: 4, lossSum: 1, gradSum: new Float32Array(N) }], observer);
    await source.trainStep(new Float32Array(N), plan);
    expect(events).toEqual(['started', 'ready true']);
    // The job is handed out between the two.
    expect(jobs).toHaveLength(1);
    await expect(source.validate(new Float32Array(N))).rejects.toThrow(/4 rows computed for a job of 0/);
    expect(events).toHaveLength(2);
  });
});
