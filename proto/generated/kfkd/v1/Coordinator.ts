// Original file: kfkd.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { Command as _kfkd_v1_Command, Command__Output as _kfkd_v1_Command__Output } from '../../kfkd/v1/Command.ts';
import type { HeartbeatReply as _kfkd_v1_HeartbeatReply, HeartbeatReply__Output as _kfkd_v1_HeartbeatReply__Output } from '../../kfkd/v1/HeartbeatReply.ts';
import type { HeartbeatRequest as _kfkd_v1_HeartbeatRequest, HeartbeatRequest__Output as _kfkd_v1_HeartbeatRequest__Output } from '../../kfkd/v1/HeartbeatRequest.ts';
import type { JoinRequest as _kfkd_v1_JoinRequest, JoinRequest__Output as _kfkd_v1_JoinRequest__Output } from '../../kfkd/v1/JoinRequest.ts';
import type { ReportPart as _kfkd_v1_ReportPart, ReportPart__Output as _kfkd_v1_ReportPart__Output } from '../../kfkd/v1/ReportPart.ts';
import type { ReportReply as _kfkd_v1_ReportReply, ReportReply__Output as _kfkd_v1_ReportReply__Output } from '../../kfkd/v1/ReportReply.ts';
import type { WatchEvent as _kfkd_v1_WatchEvent, WatchEvent__Output as _kfkd_v1_WatchEvent__Output } from '../../kfkd/v1/WatchEvent.ts';
import type { WatchRequest as _kfkd_v1_WatchRequest, WatchRequest__Output as _kfkd_v1_WatchRequest__Output } from '../../kfkd/v1/WatchRequest.ts';

export interface CoordinatorClient extends grpc.Client {
  /**
   * Liveness between tasks; a worker silent for longer than the coordinator's
   * heartbeat timeout is dropped.
   */
  Heartbeat(argument: _kfkd_v1_HeartbeatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kfkd_v1_HeartbeatReply__Output>): grpc.ClientUnaryCall;
  Heartbeat(argument: _kfkd_v1_HeartbeatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kfkd_v1_HeartbeatReply__Output>): grpc.ClientUnaryCall;
  Heartbeat(argument: _kfkd_v1_HeartbeatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kfkd_v1_HeartbeatReply__Output>): grpc.ClientUnaryCall;
  Heartbeat(argument: _kfkd_v1_HeartbeatRequest, callback: grpc.requestCallback<_kfkd_v1_HeartbeatReply__Output>): grpc.ClientUnaryCall;
  /**
   * Liveness between tasks; a worker silent for longer than the coordinator's
   * heartbeat timeout is dropped.
   */
  heartbeat(argument: _kfkd_v1_HeartbeatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kfkd_v1_HeartbeatReply__Output>): grpc.ClientUnaryCall;
  heartbeat(argument: _kfkd_v1_HeartbeatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kfkd_v1_HeartbeatReply__Output>): grpc.ClientUnaryCall;
  heartbeat(argument: _kfkd_v1_HeartbeatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kfkd_v1_HeartbeatReply__Output>): grpc.ClientUnaryCall;
  heartbeat(argument: _kfkd_v1_HeartbeatRequest, callback: grpc.requestCallback<_kfkd_v1_HeartbeatReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * Joins the training run. The coordinator answers with one Welcome, then
   * streams this worker's shard updates and tasks until the worker leaves, is
   * dropped (the stream ends with an error status), training ends (Finished)
   * or the worker is moved to another job of the pool (Moved). A coordinator
   * with several jobs may hold a Join without a Welcome while no job needs
   * the worker.
   */
  Join(argument: _kfkd_v1_JoinRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_kfkd_v1_Command__Output>;
  Join(argument: _kfkd_v1_JoinRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_kfkd_v1_Command__Output>;
  /**
   * Joins the training run. The coordinator answers with one Welcome, then
   * streams this worker's shard updates and tasks until the worker leaves, is
   * dropped (the stream ends with an error status), training ends (Finished)
   * or the worker is moved to another job of the pool (Moved). A coordinator
   * with several jobs may hold a Join without a Welcome while no job needs
   * the worker.
   */
  join(argument: _kfkd_v1_JoinRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_kfkd_v1_Command__Output>;
  join(argument: _kfkd_v1_JoinRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_kfkd_v1_Command__Output>;
  
  /**
   * The result of one task: a TaskResult, then, for a training task, its
   * gradient as GradientChunks in order. Rejected results get an error status
   * and the worker is dropped (its stream ends).
   */
  Report(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kfkd_v1_ReportReply__Output>): grpc.ClientWritableStream<_kfkd_v1_ReportPart>;
  Report(metadata: grpc.Metadata, callback: grpc.requestCallback<_kfkd_v1_ReportReply__Output>): grpc.ClientWritableStream<_kfkd_v1_ReportPart>;
  Report(options: grpc.CallOptions, callback: grpc.requestCallback<_kfkd_v1_ReportReply__Output>): grpc.ClientWritableStream<_kfkd_v1_ReportPart>;
  Report(callback: grpc.requestCallback<_kfkd_v1_ReportReply__Output>): grpc.ClientWritableStream<_kfkd_v1_ReportPart>;
  /**
   * The result of one task: a TaskResult, then, for a training task, its
   * gradient as GradientChunks in order. Rejected results get an error status
   * and the worker is dropped (its stream ends).
   */
  report(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kfkd_v1_ReportReply__Output>): grpc.ClientWritableStream<_kfkd_v1_ReportPart>;
  report(metadata: grpc.Metadata, callback: grpc.requestCallback<_kfkd_v1_ReportReply__Output>): grpc.ClientWritableStream<_kfkd_v1_ReportPart>;
  report(options: grpc.CallOptions, callback: grpc.requestCallback<_kfkd_v1_ReportReply__Output>): grpc.ClientWritableStream<_kfkd_v1_ReportPart>;
  report(callback: grpc.requestCallback<_kfkd_v1_ReportReply__Output>): grpc.ClientWritableStream<_kfkd_v1_ReportPart>;
  
  /**
   * Read-only view of the run, for dashboards. Replays the run first (RunInfo,
   * every epoch of the history including epochs before a resume, the current
   * workers, the latest step and predictions, then ReplayDone), then streams
   * live events; after RunFinished the stream ends.
   * A coordinator of a pool of jobs replays PoolInfo and PoolStatus first,
   * then each job's replay as above with WatchEvent.job naming the job (its
   * ReplayDone left out), then one ReplayDone; live, every job's events
   * (named) and a PoolStatus whenever the jobs or the placement change; the
   * stream ends after a RunFinished without a job (the pool stopped).
   */
  Watch(argument: _kfkd_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_kfkd_v1_WatchEvent__Output>;
  Watch(argument: _kfkd_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_kfkd_v1_WatchEvent__Output>;
  /**
   * Read-only view of the run, for dashboards. Replays the run first (RunInfo,
   * every epoch of the history including epochs before a resume, the current
   * workers, the latest step and predictions, then ReplayDone), then streams
   * live events; after RunFinished the stream ends.
   * A coordinator of a pool of jobs replays PoolInfo and PoolStatus first,
   * then each job's replay as above with WatchEvent.job naming the job (its
   * ReplayDone left out), then one ReplayDone; live, every job's events
   * (named) and a PoolStatus whenever the jobs or the placement change; the
   * stream ends after a RunFinished without a job (the pool stopped).
   */
  watch(argument: _kfkd_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_kfkd_v1_WatchEvent__Output>;
  watch(argument: _kfkd_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_kfkd_v1_WatchEvent__Output>;
  
}

export interface CoordinatorHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Liveness between tasks; a worker silent for longer than the coordinator's
   * heartbeat timeout is dropped.
   */
  Heartbeat: grpc.handleUnaryCall<_kfkd_v1_HeartbeatRequest__Output, _kfkd_v1_HeartbeatReply>;
  
  /**
   * Joins the training run. The coordinator answers with one Welcome, then
   * streams this worker's shard updates and tasks until the worker leaves, is
   * dropped (the stream ends with an error status), training ends (Finished)
   * or the worker is moved to another job of the pool (Moved). A coordinator
   * with several jobs may hold a Join without a Welcome while no job needs
   * the worker.
   */
  Join: grpc.handleServerStreamingCall<_kfkd_v1_JoinRequest__Output, _kfkd_v1_Command>;
  
  /**
   * The result of one task: a TaskResult, then, for a training task, its
   * gradient as GradientChunks in order. Rejected results get an error status
   * and the worker is dropped (its stream ends).
   */
  Report: grpc.handleClientStreamingCall<_kfkd_v1_ReportPart__Output, _kfkd_v1_ReportReply>;
  
  /**
   * Read-only view of the run, for dashboards. Replays the run first (RunInfo,
   * every epoch of the history including epochs before a resume, the current
   * workers, the latest step and predictions, then ReplayDone), then streams
   * live events; after RunFinished the stream ends.
   * A coordinator of a pool of jobs replays PoolInfo and PoolStatus first,
   * then each job's replay as above with WatchEvent.job naming the job (its
   * ReplayDone left out), then one ReplayDone; live, every job's events
   * (named) and a PoolStatus whenever the jobs or the placement change; the
   * stream ends after a RunFinished without a job (the pool stopped).
   */
  Watch: grpc.handleServerStreamingCall<_kfkd_v1_WatchRequest__Output, _kfkd_v1_WatchEvent>;
  
}

export interface CoordinatorDefinition extends grpc.ServiceDefinition {
  Heartbeat: MethodDefinition<_kfkd_v1_HeartbeatRequest, _kfkd_v1_HeartbeatReply, _kfkd_v1_HeartbeatRequest__Output, _kfkd_v1_HeartbeatReply__Output>
  Join: MethodDefinition<_kfkd_v1_JoinRequest, _kfkd_v1_Command, _kfkd_v1_JoinRequest__Output, _kfkd_v1_Command__Output>
  Report: MethodDefinition<_kfkd_v1_ReportPart, _kfkd_v1_ReportReply, _kfkd_v1_ReportPart__Output, _kfkd_v1_ReportReply__Output>
  Watch: MethodDefinition<_kfkd_v1_WatchRequest, _kfkd_v1_WatchEvent, _kfkd_v1_WatchRequest__Output, _kfkd_v1_WatchEvent__Output>
}
