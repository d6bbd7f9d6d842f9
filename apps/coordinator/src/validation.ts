/**
 * Checks a worker's result header against the task it answers (pure).
 * Nothing a worker sends is trusted: this checks generation, step, count and
 * loss; result-intake.ts checks the gradient's chunks as they arrive
 * (order, size, NaN/Inf) before a result can reach the sums.
 */
import type { PartName, TaskResult__Output } from '@kfkd/proto';

export interface IssuedTask {
  readonly id: number;
  readonly worker: string;
  readonly session: number;
  readonly generation: number;
  readonly part: PartName;
  readonly epoch: number;
  readonly step: number;
  readonly count: number;
}

export type ResultCheck = { readonly ok: true; readonly lossSum: number } | { readonly ok: false; readonly problem: 'stale' | 'invalid'; readonly detail: string };

/** Checks a result's header; its gradient chunks are checked as they arrive (TensorAssembly). */
export function checkResult(result: TaskResult__Output, task: IssuedTask): ResultCheck {
  if (result.generation !== task.generation) return stale(`generation ${result.generation}, the task's is ${task.generation}`);
  if (result.epoch !== task.epoch || result.step !== task.step) {
    return stale(`epoch ${result.epoch} step ${result.step}, the task is for epoch ${task.epoch} step ${task.step}`);
  }
  if (result.count !== task.count) return invalid(`count ${result.count}, the task has ${task.count} rows`);
  if (!Number.isFinite(result.lossSum)) return invalid(`loss sum ${result.lossSum} is not finite`);
  if (result.lossSum < 0) return invalid(`loss sum ${result.lossSum} is negative`);
  return { ok: true, lossSum: result.lossSum };
}

function stale(detail: string): ResultCheck {
  return { ok: false, problem: 'stale', detail };
}

function invalid(detail: string): ResultCheck {
  return { ok: false, problem: 'invalid', detail };
}
