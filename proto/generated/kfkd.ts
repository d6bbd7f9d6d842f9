import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Command as _kfkd_v1_Command, Command__Output as _kfkd_v1_Command__Output } from './kfkd/v1/Command.ts';
import type { CoordinatorClient as _kfkd_v1_CoordinatorClient, CoordinatorDefinition as _kfkd_v1_CoordinatorDefinition } from './kfkd/v1/Coordinator.ts';
import type { EpochFinished as _kfkd_v1_EpochFinished, EpochFinished__Output as _kfkd_v1_EpochFinished__Output } from './kfkd/v1/EpochFinished.ts';
import type { Face as _kfkd_v1_Face, Face__Output as _kfkd_v1_Face__Output } from './kfkd/v1/Face.ts';
import type { Finished as _kfkd_v1_Finished, Finished__Output as _kfkd_v1_Finished__Output } from './kfkd/v1/Finished.ts';
import type { GradientChunk as _kfkd_v1_GradientChunk, GradientChunk__Output as _kfkd_v1_GradientChunk__Output } from './kfkd/v1/GradientChunk.ts';
import type { HeartbeatReply as _kfkd_v1_HeartbeatReply, HeartbeatReply__Output as _kfkd_v1_HeartbeatReply__Output } from './kfkd/v1/HeartbeatReply.ts';
import type { HeartbeatRequest as _kfkd_v1_HeartbeatRequest, HeartbeatRequest__Output as _kfkd_v1_HeartbeatRequest__Output } from './kfkd/v1/HeartbeatRequest.ts';
import type { JobStatus as _kfkd_v1_JobStatus, JobStatus__Output as _kfkd_v1_JobStatus__Output } from './kfkd/v1/JobStatus.ts';
import type { JoinRequest as _kfkd_v1_JoinRequest, JoinRequest__Output as _kfkd_v1_JoinRequest__Output } from './kfkd/v1/JoinRequest.ts';
import type { Moved as _kfkd_v1_Moved, Moved__Output as _kfkd_v1_Moved__Output } from './kfkd/v1/Moved.ts';
import type { ParameterChunk as _kfkd_v1_ParameterChunk, ParameterChunk__Output as _kfkd_v1_ParameterChunk__Output } from './kfkd/v1/ParameterChunk.ts';
import type { PeerClient as _kfkd_v1_PeerClient, PeerDefinition as _kfkd_v1_PeerDefinition } from './kfkd/v1/Peer.ts';
import type { PeerHello as _kfkd_v1_PeerHello, PeerHello__Output as _kfkd_v1_PeerHello__Output } from './kfkd/v1/PeerHello.ts';
import type { PeerPart as _kfkd_v1_PeerPart, PeerPart__Output as _kfkd_v1_PeerPart__Output } from './kfkd/v1/PeerPart.ts';
import type { PeerReply as _kfkd_v1_PeerReply, PeerReply__Output as _kfkd_v1_PeerReply__Output } from './kfkd/v1/PeerReply.ts';
import type { PoolInfo as _kfkd_v1_PoolInfo, PoolInfo__Output as _kfkd_v1_PoolInfo__Output } from './kfkd/v1/PoolInfo.ts';
import type { PoolStatus as _kfkd_v1_PoolStatus, PoolStatus__Output as _kfkd_v1_PoolStatus__Output } from './kfkd/v1/PoolStatus.ts';
import type { Predictions as _kfkd_v1_Predictions, Predictions__Output as _kfkd_v1_Predictions__Output } from './kfkd/v1/Predictions.ts';
import type { ReplayDone as _kfkd_v1_ReplayDone, ReplayDone__Output as _kfkd_v1_ReplayDone__Output } from './kfkd/v1/ReplayDone.ts';
import type { ReportPart as _kfkd_v1_ReportPart, ReportPart__Output as _kfkd_v1_ReportPart__Output } from './kfkd/v1/ReportPart.ts';
import type { ReportReply as _kfkd_v1_ReportReply, ReportReply__Output as _kfkd_v1_ReportReply__Output } from './kfkd/v1/ReportReply.ts';
import type { RingHop as _kfkd_v1_RingHop, RingHop__Output as _kfkd_v1_RingHop__Output } from './kfkd/v1/RingHop.ts';
import type { RingHops as _kfkd_v1_RingHops, RingHops__Output as _kfkd_v1_RingHops__Output } from './kfkd/v1/RingHops.ts';
import type { RingRole as _kfkd_v1_RingRole, RingRole__Output as _kfkd_v1_RingRole__Output } from './kfkd/v1/RingRole.ts';
import type { RingRound as _kfkd_v1_RingRound, RingRound__Output as _kfkd_v1_RingRound__Output } from './kfkd/v1/RingRound.ts';
import type { RingSum as _kfkd_v1_RingSum, RingSum__Output as _kfkd_v1_RingSum__Output } from './kfkd/v1/RingSum.ts';
import type { RunFinished as _kfkd_v1_RunFinished, RunFinished__Output as _kfkd_v1_RunFinished__Output } from './kfkd/v1/RunFinished.ts';
import type { RunInfo as _kfkd_v1_RunInfo, RunInfo__Output as _kfkd_v1_RunInfo__Output } from './kfkd/v1/RunInfo.ts';
import type { ShardUpdate as _kfkd_v1_ShardUpdate, ShardUpdate__Output as _kfkd_v1_ShardUpdate__Output } from './kfkd/v1/ShardUpdate.ts';
import type { StepProgress as _kfkd_v1_StepProgress, StepProgress__Output as _kfkd_v1_StepProgress__Output } from './kfkd/v1/StepProgress.ts';
import type { Task as _kfkd_v1_Task, Task__Output as _kfkd_v1_Task__Output } from './kfkd/v1/Task.ts';
import type { TaskResult as _kfkd_v1_TaskResult, TaskResult__Output as _kfkd_v1_TaskResult__Output } from './kfkd/v1/TaskResult.ts';
import type { WatchEvent as _kfkd_v1_WatchEvent, WatchEvent__Output as _kfkd_v1_WatchEvent__Output } from './kfkd/v1/WatchEvent.ts';
import type { WatchRequest as _kfkd_v1_WatchRequest, WatchRequest__Output as _kfkd_v1_WatchRequest__Output } from './kfkd/v1/WatchRequest.ts';
import type { Welcome as _kfkd_v1_Welcome, Welcome__Output as _kfkd_v1_Welcome__Output } from './kfkd/v1/Welcome.ts';
import type { WorkerGone as _kfkd_v1_WorkerGone, WorkerGone__Output as _kfkd_v1_WorkerGone__Output } from './kfkd/v1/WorkerGone.ts';
import type { WorkerPlacement as _kfkd_v1_WorkerPlacement, WorkerPlacement__Output as _kfkd_v1_WorkerPlacement__Output } from './kfkd/v1/WorkerPlacement.ts';
import type { WorkerStatus as _kfkd_v1_WorkerStatus, WorkerStatus__Output as _kfkd_v1_WorkerStatus__Output } from './kfkd/v1/WorkerStatus.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  kfkd: {
    v1: {
      Command: MessageTypeDefinition<_kfkd_v1_Command, _kfkd_v1_Command__Output>
      Coordinator: SubtypeConstructor<typeof grpc.Client, _kfkd_v1_CoordinatorClient> & { service: _kfkd_v1_CoordinatorDefinition }
      EpochFinished: MessageTypeDefinition<_kfkd_v1_EpochFinished, _kfkd_v1_EpochFinished__Output>
      Face: MessageTypeDefinition<_kfkd_v1_Face, _kfkd_v1_Face__Output>
      Finished: MessageTypeDefinition<_kfkd_v1_Finished, _kfkd_v1_Finished__Output>
      GradientChunk: MessageTypeDefinition<_kfkd_v1_GradientChunk, _kfkd_v1_GradientChunk__Output>
      HeartbeatReply: MessageTypeDefinition<_kfkd_v1_HeartbeatReply, _kfkd_v1_HeartbeatReply__Output>
      HeartbeatRequest: MessageTypeDefinition<_kfkd_v1_HeartbeatRequest, _kfkd_v1_HeartbeatRequest__Output>
      JobStatus: MessageTypeDefinition<_kfkd_v1_JobStatus, _kfkd_v1_JobStatus__Output>
      JoinRequest: MessageTypeDefinition<_kfkd_v1_JoinRequest, _kfkd_v1_JoinRequest__Output>
      Moved: MessageTypeDefinition<_kfkd_v1_Moved, _kfkd_v1_Moved__Output>
      ParameterChunk: MessageTypeDefinition<_kfkd_v1_ParameterChunk, _kfkd_v1_ParameterChunk__Output>
      Part: EnumTypeDefinition
      /**
       * Served by every worker that gives a peer_address, called by the worker
       * before it in a ring (RingRole), with the same credentials (the worker
       * token, and the cluster's CA on both ends).
       */
      Peer: SubtypeConstructor<typeof grpc.Client, _kfkd_v1_PeerClient> & { service: _kfkd_v1_PeerDefinition }
      PeerHello: MessageTypeDefinition<_kfkd_v1_PeerHello, _kfkd_v1_PeerHello__Output>
      PeerPart: MessageTypeDefinition<_kfkd_v1_PeerPart, _kfkd_v1_PeerPart__Output>
      PeerReply: MessageTypeDefinition<_kfkd_v1_PeerReply, _kfkd_v1_PeerReply__Output>
      PoolInfo: MessageTypeDefinition<_kfkd_v1_PoolInfo, _kfkd_v1_PoolInfo__Output>
      PoolStatus: MessageTypeDefinition<_kfkd_v1_PoolStatus, _kfkd_v1_PoolStatus__Output>
      Predictions: MessageTypeDefinition<_kfkd_v1_Predictions, _kfkd_v1_Predictions__Output>
      ReplayDone: MessageTypeDefinition<_kfkd_v1_ReplayDone, _kfkd_v1_ReplayDone__Output>
      ReportPart: MessageTypeDefinition<_kfkd_v1_ReportPart, _kfkd_v1_ReportPart__Output>
      ReportReply: MessageTypeDefinition<_kfkd_v1_ReportReply, _kfkd_v1_ReportReply__Output>
      RingHop: MessageTypeDefinition<_kfkd_v1_RingHop, _kfkd_v1_RingHop__Output>
      RingHops: MessageTypeDefinition<_kfkd_v1_RingHops, _kfkd_v1_RingHops__Output>
      RingRole: MessageTypeDefinition<_kfkd_v1_RingRole, _kfkd_v1_RingRole__Output>
      RingRound: MessageTypeDefinition<_kfkd_v1_RingRound, _kfkd_v1_RingRound__Output>
      RingSum: MessageTypeDefinition<_kfkd_v1_RingSum, _kfkd_v1_RingSum__Output>
      RunFinished: MessageTypeDefinition<_kfkd_v1_RunFinished, _kfkd_v1_RunFinished__Output>
      RunInfo: MessageTypeDefinition<_kfkd_v1_RunInfo, _kfkd_v1_RunInfo__Output>
      ShardUpdate: MessageTypeDefinition<_kfkd_v1_ShardUpdate, _kfkd_v1_ShardUpdate__Output>
      StepProgress: MessageTypeDefinition<_kfkd_v1_StepProgress, _kfkd_v1_StepProgress__Output>
      Task: MessageTypeDefinition<_kfkd_v1_Task, _kfkd_v1_Task__Output>
      TaskResult: MessageTypeDefinition<_kfkd_v1_TaskResult, _kfkd_v1_TaskResult__Output>
      WatchEvent: MessageTypeDefinition<_kfkd_v1_WatchEvent, _kfkd_v1_WatchEvent__Output>
      WatchRequest: MessageTypeDefinition<_kfkd_v1_WatchRequest, _kfkd_v1_WatchRequest__Output>
      Welcome: MessageTypeDefinition<_kfkd_v1_Welcome, _kfkd_v1_Welcome__Output>
      WorkerGone: MessageTypeDefinition<_kfkd_v1_WorkerGone, _kfkd_v1_WorkerGone__Output>
      WorkerPlacement: MessageTypeDefinition<_kfkd_v1_WorkerPlacement, _kfkd_v1_WorkerPlacement__Output>
      WorkerStatus: MessageTypeDefinition<_kfkd_v1_WorkerStatus, _kfkd_v1_WorkerStatus__Output>
    }
  }
}

