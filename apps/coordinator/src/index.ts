/** @kfkd/coordinator: the coordinator of distributed synchronous training over gRPC. */
export { Coordinator, type CoordinatorConfig, type CoordinatorOutcome, type CoordinatorState } from './coordinator.ts';
export { DEFAULT_HEARTBEAT_TIMEOUT_MS, DEFAULT_STEP_TIMEOUT_MS } from './defaults.ts';
export { type Clock, type Timer, realClock } from './clock.ts';
export { CHECKPOINT_FILE, EXTENDABLE_FIELDS, checkpointPath, loadCheckpoint, promotePreviousCheckpoint, readCheckpointIdentity, saveCheckpoint, type ResumeFrom, type RunIdentity } from './checkpoint.ts';
export { type CompletedRun, completedRun } from './completed-run.ts';
export * from './errors.ts';
export type { TlsFiles } from './server.ts';
export { CoordinatorMetrics, type JobPhases, type StepPhase } from './metrics.ts';
export type { EdgeObserver, RejectReason } from './edge-observer.ts';
export { WorkerPool, type PoolObserver, type PoolOptions } from './pool.ts';
export { type FinishedRun, type JobConfig, type PreparedJob, TrainingJob } from './training-job.ts';
export { JobRouter, type RouterOptions, type WorkerInfo } from './job-router.ts';
export { type JobDemand, type Move, placeJoiner, rebalance, targetCounts } from './job-scheduler.ts';
export { type GradientSourceObserver, RemoteGradientSource } from './remote-source.ts';
export { CoordinatorService } from './service.ts';
export { TokenCheck, TokenFile, fixedTokens, parseTokens, type Role, type TokenSource } from './auth.ts';
export { SERVER_MAX_RECEIVE_BYTES, serverCredentials, startServer, stopServer } from './server.ts';
export { WatchJournal, type PredictedFace } from './watch-journal.ts';
