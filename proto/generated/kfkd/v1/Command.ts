// Original file: kfkd.proto

import type { Welcome as _kfkd_v1_Welcome, Welcome__Output as _kfkd_v1_Welcome__Output } from '../../kfkd/v1/Welcome.ts';
import type { ShardUpdate as _kfkd_v1_ShardUpdate, ShardUpdate__Output as _kfkd_v1_ShardUpdate__Output } from '../../kfkd/v1/ShardUpdate.ts';
import type { Task as _kfkd_v1_Task, Task__Output as _kfkd_v1_Task__Output } from '../../kfkd/v1/Task.ts';
import type { Finished as _kfkd_v1_Finished, Finished__Output as _kfkd_v1_Finished__Output } from '../../kfkd/v1/Finished.ts';
import type { ParameterChunk as _kfkd_v1_ParameterChunk, ParameterChunk__Output as _kfkd_v1_ParameterChunk__Output } from '../../kfkd/v1/ParameterChunk.ts';
import type { Moved as _kfkd_v1_Moved, Moved__Output as _kfkd_v1_Moved__Output } from '../../kfkd/v1/Moved.ts';

export interface Command {
  'welcome'?: (_kfkd_v1_Welcome | null);
  'shard'?: (_kfkd_v1_ShardUpdate | null);
  'task'?: (_kfkd_v1_Task | null);
  'finished'?: (_kfkd_v1_Finished | null);
  'parameters'?: (_kfkd_v1_ParameterChunk | null);
  'moved'?: (_kfkd_v1_Moved | null);
  'command'?: "welcome"|"shard"|"task"|"finished"|"parameters"|"moved";
}

export interface Command__Output {
  'welcome'?: (_kfkd_v1_Welcome__Output | null);
  'shard'?: (_kfkd_v1_ShardUpdate__Output | null);
  'task'?: (_kfkd_v1_Task__Output | null);
  'finished'?: (_kfkd_v1_Finished__Output | null);
  'parameters'?: (_kfkd_v1_ParameterChunk__Output | null);
  'moved'?: (_kfkd_v1_Moved__Output | null);
  'command'?: "welcome"|"shard"|"task"|"finished"|"parameters"|"moved";
}
