/**
 * The coordinator's metrics, read back from the registry after driving a
 * real WorkerPool (fake streams answering its tasks) and the trainer observer.
 */
import { metricNames, metricValue } from '@kfkd/metrics';
import type { NetSpec } from '@kfkd/model';
import type { Command } from '@kfkd/proto';
import { expect, it } from 'vitest';
import { memoryLogger } from '@kfkd/runtime';
import { CoordinatorMetrics } from './metrics.ts';
import { WorkerPool, type WorkerStream } from './pool.ts';
import { chunksOf, deliverReport } from './testing.ts';

const PARAMETERS = 10;

function rows(count: number): { rows: number; pixels: Uint8Array; targets: Float32Array } {
  return { rows: count, pixels: new Uint8Array(count * 9216), targets: new Float32Array(count * 2) };
}

/** A pool with `workers` fake workers that answer every task with a loss of 1 per row. */
function cluster(workers: string[]): { pool: WorkerPool; metrics: CoordinatorMetrics } {
  const metrics = new CoordinatorMetrics();
  const pool = new WorkerPool({
    data: { columns: ['x', 'y'], train: rows(240), valid: rows(120), sourceRows: 360 },
    specJson: '{}',
    parameterCount: PARAMETERS,
    minWorkers: workers.length,
    stepTimeoutMs: 10_000,
    heartbeatTimeoutMs: 10_000,
    log: memoryLogger(),
    observers: [metrics],
  });
  metrics.watchMembers(() => pool.currentMembers());
  for (const id of workers) {
    let session = 0;
    const stream: WorkerStream = {
      send: async (command: Command) => {
        if (command.welcome) session = command.welcome.session!;
        const task = command.task;
        if (!task) return;
        setImmediate(() =>
          deliverReport(
            pool,
            { workerId: id, session, generation: task.generation!, taskId: task.taskId!, epoch: task.epoch!, step: task.step!, lossSum: task.rows!.length, count: task.rows!.length },
            chunksOf(task.part === 'PART_TRAIN' ? new Float32Array(PARAMETERS) : null),
          ),
        );
      },
      close: () => undefined,
    };
    pool.join({ id, backend: 'wasm', device: `cpu ${id}` }, stream);
  }
  return { pool, metrics };
}

const job = (part: 'train' | 'valid', n: number) => ({
  part,
  epoch: 1,
  step: 0,
  parameters: new Float32Array(PARAMETERS),
  items: Array.from({ length: n }, (_, i) => ({ row: i, position: i })),
  flipMask: null,
  dropoutSeed: 0,
});

it('counts samples, bytes and per-member task time of the jobs the pool computes', async () => {
  const { pool, metrics } = cluster(['a', 'b']);
  const { registry } = metrics;
  await pool.compute(job('train', 240));
  await pool.compute(job('valid', 120));

  expect(await metricValue(registry, 'kfkd_samples_processed_total', { part: 'train' })).toBe(240);
  expect(await metricValue(registry, 'kfkd_samples_processed_total', { part: 'valid' })).toBe(120);
  const perMember = await Promise.all(['a', 'b'].map((worker) => metricValue(registry, 'kfkd_member_samples_processed_total', { worker })));
  // The slots split the rows between the two; each got some.
  expect(perMember[0]! + perMember[1]!).toBe(360);
  expect(Math.min(perMember[0]!, perMember[1]!)).toBeGreaterThan(0);
  expect(await metricValue(registry, 'kfkd_member_task_seconds_total', { worker: 'a' })).toBeGreaterThan(0);
  // Two tasks per job, one per worker, each carrying all parameters.
  expect(await metricValue(registry, 'kfkd_parameter_bytes_sent_total')).toBe(4 * PARAMETERS * 4);
  // 360 rows of 9216 pixels and 2 float32 targets were shipped once.
  expect(await metricValue(registry, 'kfkd_shard_bytes_sent_total')).toBe(360 * (9216 + 8));
  expect(await metricValue(registry, 'kfkd_workers', { state: 'active' })).toBe(2);
  expect(await metricValue(registry, 'kfkd_member_info', { worker: 'b', backend: 'wasm', device: 'cpu b' })).toBe(1);

  const text = await registry.metrics();
  expect(text).toMatch(/^kfkd_step_phase_duration_seconds_count\{phase="compute"\} 1$/m);
  expect(text).toMatch(/^kfkd_step_phase_duration_seconds_count\{phase="wait"\} 1$/m);
  expect(text).toMatch(/^kfkd_validation_duration_seconds_count 1$/m);
});

it('removes a leaving member from the per-member series and counts the removal by reason', async () => {
  const { pool, metrics } = cluster(['a', 'b']);
  const { registry } = metrics;
  await pool.compute(job('train', 240));
  const aBefore = await metricValue(registry, 'kfkd_member_samples_processed_total', { worker: 'a' });
  const b = pool.currentMembers().find((m) => m.id === 'b')!;
  pool.leave('b', b.session, 'heartbeat', 'silent');

  expect(await metricValue(registry, 'kfkd_removed_workers_total', { reason: 'heartbeat' })).toBe(1);
  expect(await metricValue(registry, 'kfkd_removed_workers_total', { reason: 'deadline' })).toBe(0);
  expect(await metricValue(registry, 'kfkd_workers', { state: 'active' })).toBe(1);
  expect(await metricValue(registry, 'kfkd_member_samples_processed_total', { worker: 'b' })).toBeUndefined();
  expect(await metricValue(registry, 'kfkd_member_info', { worker: 'b' })).toBeUndefined();
  expect(await metricValue(registry, 'kfkd_member_samples_processed_total', { worker: 'a' })).toBe(aBefore);
});

it('counts rejected results by reason', async () => {
  const { pool, metrics } = cluster(['a']);
  const outcome = deliverReport(pool, { workerId: 'ghost', session: 9, generation: 1, taskId: 1, epoch: 1, step: 0, lossSum: 1, count: 1 }, []);
  expect(outcome.ok).toBe(false);
  // The pool reports the outcome; the gRPC service (the edge) counts it.
  metrics.rejected('report', 'unknown-worker');
  expect(await metricValue(metrics.registry, 'kfkd_rejected_messages_total', { rpc: 'report', reason: 'unknown-worker' })).toBe(1);
});

it('tracks epoch, step, losses, learning rate and whole-step durations from the trainer', async () => {
  const metrics = new CoordinatorMetrics();
  const { registry } = metrics;
  const spec = {
    name: 'tiny',
    training: { maxEpochs: 3, learningRate: { kind: 'constant', value: 0.01 }, momentum: { kind: 'constant', value: 0.9 } },
  } as unknown as NetSpec;
  const observer = metrics.observer(spec);
  for (let step = 0; step < 2; step++) {
    metrics.stepStarted();
    metrics.jobDone('train', { wait: 0.001, shard: 0, compute: 0.02 });
    metrics.sumsReady(0.001);
    await observer.onStep!({ epoch: 2, step, steps: 4, stepLoss: 0.5 - step / 10 });
  }
  await observer.onEpoch!(
    { epoch: 2, trainLoss: 0.02, validLoss: 0.03, trainValidRatio: 2 / 3, validRmsePx: 8.3, learningRate: 0.005, momentum: 0.95, seconds: 12 },
    () => {
      throw new Error('not needed');
    },
  );
  expect(await metricValue(registry, 'kfkd_epoch')).toBe(2);
  expect(await metricValue(registry, 'kfkd_step')).toBe(2);
  expect(await metricValue(registry, 'kfkd_steps_per_epoch')).toBe(4);
  expect(await metricValue(registry, 'kfkd_epochs_max')).toBe(3);
  expect(await metricValue(registry, 'kfkd_steps_total')).toBe(2);
  expect(await metricValue(registry, 'kfkd_step_loss')).toBeCloseTo(0.4);
  expect(await metricValue(registry, 'kfkd_train_loss')).toBe(0.02);
  expect(await metricValue(registry, 'kfkd_valid_loss')).toBe(0.03);
  expect(await metricValue(registry, 'kfkd_valid_rmse_pixels')).toBe(8.3);
  expect(await metricValue(registry, 'kfkd_epoch_duration_seconds')).toBe(12);
  expect(await metricValue(registry, 'kfkd_learning_rate')).toBeCloseTo(0.01);
  expect(await metricValue(registry, 'kfkd_momentum')).toBeCloseTo(0.9);
  const text = await registry.metrics();
  expect(text).toMatch(/^kfkd_step_duration_seconds_count 2$/m);
  expect(text).toMatch(/^kfkd_step_phase_duration_seconds_count\{phase="update"\} 2$/m);
  expect(text).toMatch(/^kfkd_step_phase_duration_seconds_bucket\{le="0\.025",phase="compute"\} 2$/m);
});

it('starts a resumed run from its checkpoint instead of blank gauges', async () => {
  const metrics = new CoordinatorMetrics();
  const record = { epoch: 4, trainLoss: 0.01, validLoss: 0.02, trainValidRatio: 0.5, validRmsePx: 6.8, learningRate: 0.01, momentum: 0.9, seconds: 3 };
  metrics.resumed({ epoch: 5, step: 2, epochLossSum: 0, epochSeconds: 0, parameters: new Float32Array(0), velocity: new Float32Array(0), history: [record], earlyStopping: null, bestWeights: null });
  expect(await metricValue(metrics.registry, 'kfkd_epoch')).toBe(5);
  expect(await metricValue(metrics.registry, 'kfkd_step')).toBe(2);
  expect(await metricValue(metrics.registry, 'kfkd_valid_loss')).toBe(0.02);
});

it('follows the naming conventions: kfkd_ prefix, base units, _total only on counters', async () => {
  const metrics = new CoordinatorMetrics();
  for (const metric of await metrics.registry.getMetricsAsJSON()) {
    if (!metric.name.startsWith('kfkd_')) continue;
    expect(metric.name.endsWith('_total'), metric.name).toBe(String(metric.type) === 'counter');
    expect(metric.name, 'base units').not.toMatch(/_(ms|milliseconds|minutes|kb|mb|kilobytes|megabytes)(_|$)/);
    if (String(metric.type) === 'histogram') expect(metric.name).toMatch(/_seconds$/);
    expect(metric.help.length).toBeGreaterThan(10);
  }
  expect(await metricNames(metrics.registry)).toContain('process_resident_memory_bytes');
});

