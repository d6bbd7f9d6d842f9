/**
 * A worker's metrics, read back from its registry after it worked for a
 * scripted coordinator (a real gRPC server on loopback that welcomes it,
 * ships a shard, sends one training and one validation task, refuses the
 * validation result).
 */
import * as grpc from '@grpc/grpc-js';
import { metricValue } from '@kfkd/metrics';
import { netSpec } from '@kfkd/model';
import { type CoordinatorHandlers, float32Bytes, kfkdProto } from '@kfkd/proto';
import { afterEach, expect, it } from 'vitest';
import type { TaskCompute } from './compute.ts';
import { memoryLogger } from '@kfkd/runtime';
import { WorkerMetrics } from './metrics.ts';
import { Worker } from './worker.ts';

const spec = netSpec('net1');
const PARAMETERS = 3;
let server: grpc.Server | null = null;
afterEach(() => {
  server?.forceShutdown();
  server = null;
});

async function scriptedCoordinator(): Promise<number> {
  // Each task at its own parameter version, so both carry parameters.
  const parameters = (version: number) => ({ parameters: { version, offset: 0, values: float32Bytes(new Float32Array(PARAMETERS)) } });
  const task = (taskId: number, part: 'PART_TRAIN' | 'PART_VALID') => ({
    task: { generation: 1, taskId, part, epoch: 2, step: part === 'PART_TRAIN' ? 5 : 0, parametersVersion: taskId, rows: [0, 1], positions: [0, 1], dropoutSeed: 1 },
  });
  const handlers: CoordinatorHandlers = {
    Join: (call) => {
      call.write({ welcome: { workerId: call.request.workerId, session: 1, generation: 1, specJson: JSON.stringify(spec), parameterCount: PARAMETERS, heartbeatIntervalMs: 1000 } });
      call.write({ shard: { generation: 1, part: 'PART_TRAIN', addRows: [0, 1], pixels: Buffer.alloc(2 * 9216), targets: float32Bytes(new Float32Array(2 * 30)) } });
      call.write(parameters(1));
      call.write(task(1, 'PART_TRAIN'));
      call.write(parameters(2));
      call.write(task(2, 'PART_VALID'));
    },
    Report: (call, callback) => {
      let taskId = 0;
      call.on('data', (part) => (taskId = part.result?.taskId ?? taskId));
      call.on('end', () => {
        if (taskId === 2) callback({ code: grpc.status.FAILED_PRECONDITION, details: 'stale' });
        else callback(null, {});
      });
    },
    Heartbeat: (_call, callback) => callback(null, { generation: 1 }),
    Watch: (call) => call.end(),
  };
  server = new grpc.Server();
  server.addService(kfkdProto().kfkd.v1.Coordinator.service, handlers);
  return new Promise((resolve, reject) => server!.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, port) => (e ? reject(e) : resolve(port))));
}

it('counts samples, compute time, bytes, losses and refusals of the tasks it computes', async () => {
  const port = await scriptedCoordinator();
  const metrics = new WorkerMetrics({ id: 'gpu-0', backend: 'tensorflow', device: 'GPU 0' });
  // Loss 0.25 per row; the gradient is all ones.
  const compute: TaskCompute = (task) => ({ lossSum: 0.25 * task.rows.length, gradSum: task.part === 'train' ? new Float32Array(PARAMETERS).fill(1) : null, count: task.rows.length });
  const worker = new Worker({
    coordinator: `127.0.0.1:${port}`,
    token: 't',
    id: 'gpu-0',
    backend: { name: 'tensorflow', device: 'GPU 0' },
    credentials: grpc.credentials.createInsecure(),
    makeCompute: () => compute,
    log: memoryLogger(),
    metrics,
  });
  // Once the second result is refused, the worker has done all it will: stop it.
  const run = worker.run();
  await waitFor(async () => (await metricValue(metrics.registry, 'kfkd_worker_refused_results_total', { code: 'FAILED_PRECONDITION' })) === 1);
  worker.shutdown();
  await run;

  const { registry } = metrics;
  expect(await metricValue(registry, 'kfkd_worker_info', { worker: 'gpu-0', backend: 'tensorflow', device: 'GPU 0' })).toBe(1);
  expect(await metricValue(registry, 'kfkd_worker_samples_processed_total', { part: 'train' })).toBe(2);
  expect(await metricValue(registry, 'kfkd_worker_samples_processed_total', { part: 'valid' })).toBe(2);
  expect(await metricValue(registry, 'kfkd_worker_task_loss', { part: 'train' })).toBe(0.25);
  expect(await metricValue(registry, 'kfkd_worker_parameter_bytes_received_total')).toBe(2 * PARAMETERS * 4);
  expect(await metricValue(registry, 'kfkd_worker_gradient_bytes_sent_total')).toBe(PARAMETERS * 4);
  expect(await metricValue(registry, 'kfkd_worker_shard_bytes_received_total')).toBe(2 * 9216 + 2 * 30 * 4);
  expect(await metricValue(registry, 'kfkd_worker_epoch')).toBe(2);
  expect(await metricValue(registry, 'kfkd_worker_step')).toBe(5);
  expect(await metricValue(registry, 'kfkd_worker_sessions_total')).toBeGreaterThanOrEqual(1);
  expect(await metricValue(registry, 'kfkd_worker_connected')).toBe(0);
  const text = await registry.metrics();
  expect(text).toMatch(/^kfkd_worker_compute_duration_seconds_count\{part="train"\} 1$/m);
  expect(text).toMatch(/^kfkd_worker_compute_duration_seconds_count\{part="valid"\} 1$/m);
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
