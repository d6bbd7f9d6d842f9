/** @kfkd/worker: a worker of distributed training over gRPC. */
export { WORKER_CHANNEL_OPTIONS, Worker, channelCredentials, type WorkerConfig, type WorkerState } from './worker.ts';
export { gradientCompute, type TaskCompute, type TaskInput, type TaskOutput } from './compute.ts';
export { type ComputedTask, WorkerMetrics, type WorkerIdentity } from './metrics.ts';
export { Backoff } from './reconnect.ts';
export { ShardStore } from './shard-store.ts';
export * from './errors.ts';
