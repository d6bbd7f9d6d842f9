/**
 * The metrics of a pool of jobs, read back from the registry: each job's
 * series carry its name as JOB_LABEL (driven by a real WorkerPool with fake
 * workers, and the trainer observer), the pool's own series have no job
 * label, and the label's values stay bounded: an ended job's series are
 * kept for `keptEndedJobs` later ends, its members gauges go at once.
 */
import { metricValue } from '@kfkd/metrics';
import type { NetSpec } from '@kfkd/model';
import { expect, it } from 'vitest';
import { CoordinatorMetrics, JOB_LABEL, type JobMetrics } from './metrics.ts';
import { clusterJob, fakeCluster, settle } from './testing.ts';

const spec = (maxEpochs: number) =>
  ({ name: 'tiny', training: { maxEpochs, learningRate: { kind: 'constant', value: 0.01 }, momentum: { kind: 'constant', value: 0.9 } } }) as unknown as NetSpec;

/** A job's pool with one answering worker `worker`, reporting to `metrics`. */
function jobCluster(metrics: JobMetrics, worker: string) {
  const cluster = fakeCluster({ observers: [metrics] });
  metrics.watchMembers(() => cluster.pool.currentMembers());
  cluster.join(worker);
  return cluster;
}

async function steps(metrics: JobMetrics, spec: NetSpec, count: number): Promise<void> {
  const observer = metrics.observer(spec);
  for (let step = 0; step < count; step++) {
    metrics.stepStarted();
    metrics.sumsReady(0.001);
    await observer.onStep!({ epoch: 1, step, steps: 10, stepLoss: 0.5 });
  }
  await observer.onEpoch!({ epoch: 1, trainLoss: 0.02, validLoss: count / 100, trainValidRatio: 1, validRmsePx: count, learningRate: 0.01, momentum: 0.9, seconds: 2 }, () => {
    throw new Error('not needed');
  });
}

const job = (name: string, labels: Record<string, string> = {}) => ({ [JOB_LABEL]: name, ...labels });

it("labels each job's series with its name, and the pool's own series with none", async () => {
  const metrics = new CoordinatorMetrics(undefined, { pool: true });
  const { registry } = metrics;
  const general = metrics.job('general');
  const mouth = metrics.job('mouth');
  expect(metrics.job('general')).toBe(general);
  const a = jobCluster(general, 'w1');
  jobCluster(mouth, 'w2');
  await settle();
  await a.pool.compute(clusterJob());
  await steps(general, spec(30), 2);
  await steps(mouth, spec(40), 1);
  metrics.rejected('join', 'malformed');

  expect(await metricValue(registry, 'kfkd_steps_total', job('general'))).toBe(2);
  expect(await metricValue(registry, 'kfkd_steps_total', job('mouth'))).toBe(1);
  expect(await metricValue(registry, 'kfkd_epochs_max', job('mouth'))).toBe(40);
  expect(await metricValue(registry, 'kfkd_valid_rmse_pixels', job('general'))).toBe(2);
  expect(await metricValue(registry, 'kfkd_samples_processed_total', job('general', { part: 'train' }))).toBe(240);
  expect(await metricValue(registry, 'kfkd_samples_processed_total', job('mouth', { part: 'train' }))).toBe(0);
  expect(await metricValue(registry, 'kfkd_member_samples_processed_total', job('general', { worker: 'w1' }))).toBe(240);
  expect(await metricValue(registry, 'kfkd_workers', job('general', { state: 'active' }))).toBe(1);
  // mouth computed no step: its worker is active from its first.
  expect(await metricValue(registry, 'kfkd_workers', job('mouth', { state: 'pending' }))).toBe(1);
  expect(await metricValue(registry, 'kfkd_workers', job('mouth', { state: 'active' }))).toBe(0);
  expect(await metricValue(registry, 'kfkd_member_info', job('mouth', { worker: 'w2', backend: 'wasm', device: 'cpu' }))).toBe(1);

  const text = await registry.metrics();
  // Every per-job series names its job; the pool's do not.
  for (const line of text.split('\n').filter((l) => /^kfkd_(steps_total|epoch|valid_loss|samples_processed_total|workers|step_duration_seconds_count)[ {]/.test(l))) {
    expect(line).toMatch(new RegExp(`${JOB_LABEL}="(general|mouth)"`));
  }
  expect(text).toMatch(/^kfkd_rejected_messages_total\{rpc="join",reason="malformed"\} 1$/m);
  expect(text).not.toMatch(/^kfkd_rejected_messages_total\{.*training_job/m);
  expect(text).toMatch(/^kfkd_step_phase_duration_seconds_count\{training_job="general",phase="reduce"\} 2$/m);
});

it("keeps an ended job's series but not its members gauges, and removes the longest-ended past keptEndedJobs", async () => {
  const metrics = new CoordinatorMetrics(undefined, { pool: true, keptEndedJobs: 1 });
  const { registry } = metrics;
  const names = ['general', 'mouth', 'nose'];
  for (const name of names) {
    const m = metrics.job(name);
    jobCluster(m, `w-${name}`);
    await steps(m, spec(10), 1);
  }
  const values = async (metric: string): Promise<string[]> =>
    [...new Set((await registry.getSingleMetric(metric)!.get()).values.map((v) => String((v.labels as Record<string, unknown>)[JOB_LABEL])))].sort();

  await metrics.endJob('general');
  expect(await metricValue(registry, 'kfkd_steps_total', job('general'))).toBe(1);
  expect(await metricValue(registry, 'kfkd_workers', job('general', { state: 'active' }))).toBeUndefined();
  expect(await values('kfkd_member_info')).toEqual(['mouth', 'nose']);

  // A second end: the first ended job's series go, every one of them (histograms too).
  await metrics.endJob('mouth');
  for (const metric of ['kfkd_steps_total', 'kfkd_valid_loss', 'kfkd_samples_processed_total', 'kfkd_removed_workers_total', 'kfkd_step_phase_duration_seconds']) {
    expect(await values(metric), metric).toEqual(['mouth', 'nose']);
  }
  expect(await registry.metrics()).not.toMatch(/training_job="general"/);
  // A running job is never removed.
  expect(await metricValue(registry, 'kfkd_steps_total', job('nose'))).toBe(1);
});

it('one run has no job label; a pool reports only through its jobs', () => {
  expect(() => new CoordinatorMetrics().job('general')).toThrow(/of one run/);
  expect(() => new CoordinatorMetrics(undefined, { pool: true }).observer(spec(1))).toThrow(/pool of jobs/);
});
