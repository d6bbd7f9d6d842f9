/** @kfkd/worker: a worker of distributed training over gRPC. */
export { type PeerConfig, WORKER_CHANNEL_OPTIONS, Worker, type WorkerConfig, type WorkerState } from './worker.ts';
export { type PeerCredentials, peerCredentials } from './peer-credentials.ts';
export { type HostPort, defaultPeerListen, parseHostPort } from './peer-address.ts';
// The one client TLS set-up (also the dashboard's); re-exported for the cli.
export { channelCredentials } from '@kfkd/proto';
export { gradientCompute, type TaskCompute, type TaskInput, type TaskOutput } from './compute.ts';
export { type ComputedTask, WorkerMetrics, type WorkerIdentity } from './metrics.ts';
export { Backoff } from './reconnect.ts';
export { ShardStore } from './shard-store.ts';
export * from './errors.ts';
