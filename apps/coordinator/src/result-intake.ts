/**
 * Result intake: a worker's result is a header (checked against its task by
 * validation.ts) and then its gradient's chunks, each copied straight into
 * the task's gradient buffer and checked as it arrives (order, size,
 * NaN/Inf). A refused result drops its worker; an accepted one completes
 * its task. Nothing a worker sends is trusted.
 */
import type { RingHop__Output, TaskResult__Output } from '@kfkd/proto';
import { TensorAssembly } from '@kfkd/proto';
import { firstNonFinite } from '@kfkd/model';
import type { Logger } from '@kfkd/runtime';
import type { Member } from './membership.ts';
import type { PoolObserver, RingHopTiming } from './pool-events.ts';
import type { TaskDispatcher } from './task-dispatch.ts';
import { checkResult } from './validation.ts';
import type { WorkerRegistry } from './worker-registry.ts';

export type ReportOutcome = { readonly ok: true } | ReportRefusal;
export type ReportRefusal = { readonly ok: false; readonly problem: 'unknown-worker' | 'stale' | 'invalid'; readonly detail: string };

/** Receives the gradient chunks of one result whose header was accepted (see ResultIntake.openReport). */
export interface ReportReceiver {
  /** One chunk, copied into place: null, or the refusal (the worker is dropped then). */
  chunk(offset: number, values: Uint8Array): ReportRefusal | null;
  /** The stream ended: the result is complete and accepted, or refused. */
  finish(): ReportOutcome;
  /** Refuses the result for a problem of the stream itself (a second TaskResult): the worker is dropped, as for a bad chunk. */
  reject(detail: string): ReportRefusal;
  /** The hops of a ring round's running sum (ReportPart.ring_hops, after the chunks): null, or the refusal. */
  hops(hops: readonly RingHop__Output[]): ReportRefusal | null;
}

export interface IntakeOptions {
  readonly parameterCount: number;
  readonly log: Logger;
  readonly events: Required<PoolObserver>;
}

const REFUSED_ALREADY: ReportRefusal = { ok: false, problem: 'invalid', detail: 'the result was refused already' };

export class ResultIntake {
  constructor(
    private readonly registry: Pick<WorkerRegistry, 'sessionOf' | 'heardFrom' | 'member' | 'leave'>,
    private readonly tasks: Pick<TaskDispatcher, 'outstanding' | 'isOutstanding' | 'complete' | 'wasAbandoned'>,
    private readonly options: IntakeOptions,
  ) {}

  /**
   * The header of a result, from `peer` (the gRPC peer of its Report call).
   * Accepted: the receiver of its gradient chunks (the task completes at
   * `finish`). Refused: the worker is dropped (except an unknown one).
   */
  openReport(result: TaskResult__Output, peer?: string): { readonly ok: true; readonly receiver: ReportReceiver } | ReportRefusal {
    const member = this.registry.sessionOf(result.workerId, result.session, peer);
    if (!member) return { ok: false, problem: 'unknown-worker', detail: `no worker ${JSON.stringify(result.workerId)} with session ${result.session} on this connection` };
    this.registry.heardFrom(result.workerId, result.session);
    const task = this.tasks.outstanding(result.taskId);
    // A ring round that failed may still deliver its sum: too late, but no fault of the worker that reports it.
    if (!task && this.tasks.wasAbandoned(result.taskId)) return { ok: false, problem: 'stale', detail: `task ${result.taskId} belonged to a ring round that failed` };
    if (task?.relaysOnly && task.worker === result.workerId && task.session === result.session) return this.refuse(member, result.taskId, { ok: false, problem: 'invalid', detail: `task ${result.taskId} is a ring member's: its sum goes to the next worker, not to the coordinator` });
    if (!task || task.worker !== result.workerId || task.session !== result.session || task.receiving) {
      return this.refuse(member, result.taskId, { ok: false, problem: 'stale', detail: `task ${result.taskId} is not outstanding for this worker` });
    }
    const check = checkResult(result, task);
    if (!check.ok) return this.refuse(member, result.taskId, check);
    task.receiving = true;
    const opened = performance.now();
    const gradient = task.part === 'train' ? new TensorAssembly(task.takeGradient()) : null;
    let hops: RingHopTiming[] | null = null;
    let refused = false;
    const refuse = (detail: string): ReportRefusal => {
      refused = true;
      return this.refuse(member, task.id, { ok: false, problem: 'invalid', detail });
    };
    // Once the task is gone (its worker dropped, the job over), its gradient buffer may be
    // the trainer's again: nothing more may be written to it.
    const gone = (): ReportRefusal | null => (this.tasks.isOutstanding(task) ? null : { ok: false, problem: 'stale', detail: `task ${task.id} is no longer outstanding` });
    return {
      ok: true,
      receiver: {
        chunk: (offset, values) => {
          if (refused) return REFUSED_ALREADY;
          const stale = gone();
          if (stale) return stale;
          if (!gradient) return refuse(`a validation result carries ${values.byteLength} gradient bytes`);
          const problem = gradient.add(offset, values);
          if (problem) return refuse(`gradient: ${problem}`);
          // Checked while the chunk is still in cache (a scan of the whole gradient at the end read 32 MB again).
          const bad = firstNonFinite(gradient.destination.subarray(offset, offset + values.byteLength / 4));
          return bad >= 0 ? refuse(`gradient value ${offset + bad} is ${gradient.destination[offset + bad]}`) : null;
        },
        reject: (detail) => (refused ? REFUSED_ALREADY : (gone() ?? refuse(detail))),
        hops: (received) => {
          if (refused) return REFUSED_ALREADY;
          const stale = gone();
          if (stale) return stale;
          if (!task.ring) return refuse('ring hops in the report of a star task');
          if (hops) return refuse('ring hops twice in one report');
          const problem = checkHops(received, task.ring);
          if (problem) return refuse(`ring hops: ${problem}`);
          hops = received.map((h) => ({ from: h.fromWorker, to: h.toWorker, bytes: Number(h.bytes), seconds: h.seconds }));
          return null;
        },
        finish: () => {
          if (refused) return REFUSED_ALREADY;
          const stale = gone();
          if (stale) return stale;
          if (gradient && !gradient.complete) return refuse(`gradient of ${gradient.received} values, expected ${this.options.parameterCount}`);
          const seconds = (performance.now() - task.sentAt) / 1000;
          // Still a member: a worker's departure fails its tasks, so an outstanding task's worker is current.
          const current = this.registry.member(member.id) ?? member;
          this.options.events.taskDone({ member: current, part: task.part, rows: task.ownRows, seconds });
          if (task.ring) {
            // The last hop, into the coordinator, timed here: from the result's header to its end.
            const last: RingHopTiming = { from: task.worker, to: '', bytes: gradient ? this.options.parameterCount * 4 : 0, seconds: (performance.now() - opened) / 1000 };
            this.options.events.ringRoundDone({ part: task.part, epoch: task.epoch, step: task.step, workers: task.ring, hops: [...(hops ?? []), last] });
          }
          this.tasks.complete(task, { firstPosition: task.firstPosition, count: task.count, lossSum: check.lossSum, gradSum: gradient?.destination ?? null });
          return { ok: true };
        },
      },
    };
  }

  /** Logs a refused result and drops its worker. */
  private refuse(member: Member, taskId: number, refusal: ReportRefusal): ReportRefusal {
    this.options.log.warn('result rejected', { worker: member.id, session: member.session, task: taskId, problem: refusal.problem, detail: refusal.detail });
    this.registry.leave(member.id, member.session, 'invalid-message', `${refusal.problem} result: ${refusal.detail}`);
    return refusal;
  }
}

/**
 * What is wrong with a ring round's hops, or null: they must be the hops
 * between consecutive workers of `ring`, in order, from the first (the last
 * hop, into the coordinator, is timed by the coordinator), with sane sizes.
 */
export function checkHops(hops: readonly RingHop__Output[], ring: readonly string[]): string | null {
  if (hops.length !== ring.length - 1) return `${hops.length} hops for a ring of ${ring.length} workers`;
  for (const [i, hop] of hops.entries()) {
    if (hop.fromWorker !== ring[i] || hop.toWorker !== ring[i + 1]) return `hop ${i} is ${JSON.stringify(hop.fromWorker)} -> ${JSON.stringify(hop.toWorker)}, the ring's is ${ring[i]} -> ${ring[i + 1]}`;
    const bytes = Number(hop.bytes);
    if (!Number.isSafeInteger(bytes) || bytes < 0) return `hop ${i} has ${String(hop.bytes)} bytes`;
    if (!Number.isFinite(hop.seconds) || hop.seconds < 0 || hop.seconds > 86_400) return `hop ${i} took ${hop.seconds} s`;
  }
  return null;
}
