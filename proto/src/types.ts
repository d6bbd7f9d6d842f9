/** The generated message and service types, re-exported under short names. */
export type { Command, Command__Output } from '../generated/kfkd/v1/Command.ts';
export type { CoordinatorClient, CoordinatorHandlers, CoordinatorDefinition } from '../generated/kfkd/v1/Coordinator.ts';
export type { Finished, Finished__Output } from '../generated/kfkd/v1/Finished.ts';
export type { HeartbeatReply, HeartbeatReply__Output } from '../generated/kfkd/v1/HeartbeatReply.ts';
export type { HeartbeatRequest, HeartbeatRequest__Output } from '../generated/kfkd/v1/HeartbeatRequest.ts';
export type { JoinRequest, JoinRequest__Output } from '../generated/kfkd/v1/JoinRequest.ts';
export type { Part, Part__Output } from '../generated/kfkd/v1/Part.ts';
export type { ReportReply, ReportReply__Output } from '../generated/kfkd/v1/ReportReply.ts';
export type { ShardUpdate, ShardUpdate__Output } from '../generated/kfkd/v1/ShardUpdate.ts';
export type { Task, Task__Output } from '../generated/kfkd/v1/Task.ts';
export type { TaskResult, TaskResult__Output } from '../generated/kfkd/v1/TaskResult.ts';
export type { Welcome, Welcome__Output } from '../generated/kfkd/v1/Welcome.ts';
export type { ProtoGrpcType } from '../generated/kfkd.ts';
