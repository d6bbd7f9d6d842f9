import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Command as _kfkd_v1_Command, Command__Output as _kfkd_v1_Command__Output } from './kfkd/v1/Command.ts';
import type { CoordinatorClient as _kfkd_v1_CoordinatorClient, CoordinatorDefinition as _kfkd_v1_CoordinatorDefinition } from './kfkd/v1/Coordinator.ts';
import type { Finished as _kfkd_v1_Finished, Finished__Output as _kfkd_v1_Finished__Output } from './kfkd/v1/Finished.ts';
import type { HeartbeatReply as _kfkd_v1_HeartbeatReply, HeartbeatReply__Output as _kfkd_v1_HeartbeatReply__Output } from './kfkd/v1/HeartbeatReply.ts';
import type { HeartbeatRequest as _kfkd_v1_HeartbeatRequest, HeartbeatRequest__Output as _kfkd_v1_HeartbeatRequest__Output } from './kfkd/v1/HeartbeatRequest.ts';
import type { JoinRequest as _kfkd_v1_JoinRequest, JoinRequest__Output as _kfkd_v1_JoinRequest__Output } from './kfkd/v1/JoinRequest.ts';
import type { ReportReply as _kfkd_v1_ReportReply, ReportReply__Output as _kfkd_v1_ReportReply__Output } from './kfkd/v1/ReportReply.ts';
import type { ShardUpdate as _kfkd_v1_ShardUpdate, ShardUpdate__Output as _kfkd_v1_ShardUpdate__Output } from './kfkd/v1/ShardUpdate.ts';
import type { Task as _kfkd_v1_Task, Task__Output as _kfkd_v1_Task__Output } from './kfkd/v1/Task.ts';
import type { TaskResult as _kfkd_v1_TaskResult, TaskResult__Output as _kfkd_v1_TaskResult__Output } from './kfkd/v1/TaskResult.ts';
import type { Welcome as _kfkd_v1_Welcome, Welcome__Output as _kfkd_v1_Welcome__Output } from './kfkd/v1/Welcome.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  kfkd: {
    v1: {
      Command: MessageTypeDefinition<_kfkd_v1_Command, _kfkd_v1_Command__Output>
      Coordinator: SubtypeConstructor<typeof grpc.Client, _kfkd_v1_CoordinatorClient> & { service: _kfkd_v1_CoordinatorDefinition }
      Finished: MessageTypeDefinition<_kfkd_v1_Finished, _kfkd_v1_Finished__Output>
      HeartbeatReply: MessageTypeDefinition<_kfkd_v1_HeartbeatReply, _kfkd_v1_HeartbeatReply__Output>
      HeartbeatRequest: MessageTypeDefinition<_kfkd_v1_HeartbeatRequest, _kfkd_v1_HeartbeatRequest__Output>
      JoinRequest: MessageTypeDefinition<_kfkd_v1_JoinRequest, _kfkd_v1_JoinRequest__Output>
      Part: EnumTypeDefinition
      ReportReply: MessageTypeDefinition<_kfkd_v1_ReportReply, _kfkd_v1_ReportReply__Output>
      ShardUpdate: MessageTypeDefinition<_kfkd_v1_ShardUpdate, _kfkd_v1_ShardUpdate__Output>
      Task: MessageTypeDefinition<_kfkd_v1_Task, _kfkd_v1_Task__Output>
      TaskResult: MessageTypeDefinition<_kfkd_v1_TaskResult, _kfkd_v1_TaskResult__Output>
      Welcome: MessageTypeDefinition<_kfkd_v1_Welcome, _kfkd_v1_Welcome__Output>
    }
  }
}

