/**
 * One session of a worker with its coordinator (one Join stream), as a state
 * machine driven by the coordinator's commands, the results of the work they
 * start, heartbeats and the stream's end. It knows nothing of gRPC: the
 * stream layer (worker.ts) feeds it, and it acts through a SessionLink.
 *
 * States:
 * - awaiting-welcome: Join sent; nothing held. Shards, parameters and tasks
 *                     are ignored (the coordinator sends none before its
 *                     welcome).
 * - joined:           welcomed: holds the session's identity, the net's
 *                     compute, the shard and the parameter vector being
 *                     assembled; computes tasks and sends their results.
 * - training-over:    the coordinator said training is over; work already
 *                     received still runs, and the stream's end ends the
 *                     session as finished.
 * - moving:           the coordinator moved this worker to another job of its
 *                     pool (Moved, sent at a step boundary): heartbeats stop
 *                     (the session is gone there), and the stream's end ends
 *                     the session as moved; the worker joins again at once.
 * - abandoned:        this worker gave the session up (unusable command, a
 *                     failed task, heartbeats refused or failing): the stream
 *                     is cancelled and nothing more is computed or sent.
 * - ended:            the outcome (`ended`) is known; every later input is
 *                     ignored.
 *
 * Shard updates, parameter chunks and tasks are handled one at a time in
 * their order of arrival (a star task waits for its result to be sent); the
 * welcome, the end of training and the stream's end act at once. A ring task
 * (Task.ring set) starts a RingRound (ring-round.ts), which goes on beside
 * the queue: its parameters may come after it, from the coordinator or from
 * the previous worker (peerParameters), and its running sum from the
 * previous worker (peerSum), possibly before the task. A task of another
 * round, or a star task, supersedes the round before it: dropped if still at
 * work, left to end with its answer if it has sent everything (the
 * coordinator sends the next step's tasks as soon as it has the ring's sum,
 * before the last worker's Report call is answered).
 */
import { type NetSpec } from '@kfkd/model';
import {
  type Command__Output,
  type RingHop,
  type ParameterChunk__Output,
  type ShardUpdate__Output,
  type TaskResult,
  type Task__Output,
  type TensorChunk,
  type Welcome__Output,
  float32sOf,
  partFromWire,
} from '@kfkd/proto';
import type { LogFields, Logger } from '@kfkd/runtime';
import type { TaskCompute, TaskOutput } from './compute.ts';
import type { WorkerMetrics } from './metrics.ts';
import { type ParameterSource, ParameterStore, type ReceiveOutcome } from './parameter-store.ts';
import { type IncomingSum, type PeerDial, RingRound } from './ring-round.ts';
import { ShardStore } from './shard-store.ts';

/** A failed call or stream, by its gRPC status name (e.g. 'UNAVAILABLE'). */
export interface CallError {
  readonly code: string;
  readonly details: string;
}

export type SessionEnd =
  | { readonly kind: 'finished' }
  | { readonly kind: 'moved' }
  | { readonly kind: 'stopped' }
  | { readonly kind: 'error'; readonly error: CallError; readonly welcomed: boolean };

/** What the session does to the coordinator (worker.ts implements it over gRPC). */
export interface SessionLink {
  /** Sends a task's result and its gradient (null for validation); resolves with the refusal, or null once accepted. */
  report(result: TaskResult, gradient: Float32Array | null): Promise<CallError | null>;
  /** Sends a result and its gradient as the chunks come (a ring's sum); cancels the report if `chunks` rejects. Resolves as report() does. */
  /** A result and its gradient chunks, then (a ring round's last worker) the hops of its running sum. */
  reportStream(result: TaskResult, chunks: AsyncIterable<TensorChunk>, hops?: () => readonly RingHop[]): Promise<CallError | null>;
  /** One heartbeat; resolves with its failure, or null. */
  heartbeat(session: SessionIdentity): Promise<CallError | null>;
  /** Cancels the Join stream; its end (CANCELLED) follows. */
  cancel(): void;
}

export interface SessionIdentity {
  readonly workerId: string;
  readonly session: number;
  readonly generation: number;
}

export interface SessionDeps {
  readonly link: SessionLink;
  /** Opens Pass streams to the next worker of a ring (peer-link.ts); without it ring tasks are dropped. */
  readonly dial?: PeerDial;
  /** The compute for a welcome's net (cached across sessions). @throws when the net is unusable */
  readonly computeFor: (specJson: string) => { readonly compute: TaskCompute; readonly spec: NetSpec };
  readonly log: Logger;
  readonly metrics?: WorkerMetrics;
  /** The liveness heartbeat: progress was made, or readiness may have changed. */
  readonly checkIn?: () => void;
  /** Told when the coordinator welcomes the session, before the 'joined' line. */
  readonly onWelcome: () => void;
  /** Told of every result the coordinator accepted. */
  readonly onAccepted: () => void;
  /** Calls `tick` every `ms` until the returned function is called (heartbeats; a fake in tests). */
  readonly every?: (ms: number, tick: () => void) => () => void;
}

/** Heartbeats that fail in a row before the worker gives the session up. */
export const HEARTBEAT_FAILURES = 3;

/** What a welcomed session holds. */
interface Joined {
  readonly identity: SessionIdentity;
  readonly compute: TaskCompute;
  readonly shard: ShardStore;
  readonly parameterCount: number;
  /** The parameter vector being received or last received, in one buffer reused across versions. */
  readonly parameters: ParameterStore;
  /** The coordinator's Join stream as a source of parameters. */
  readonly coordinatorParameters: ParameterSource;
  /** The ring round in progress, if any. */
  round: RingRound | null;
  /** A running sum that came from the previous worker before its task. */
  pendingSum: IncomingSum | null;
  /** The complete version held (readiness), if any. */
  heldVersion: number | null;
  /** Parameter bytes received since the last task (a metric). */
  parameterBytes: number;
  firstTaskSeen: boolean;
  heartbeatFailures: number;
  stopHeartbeats: () => void;
}

export type SessionState =
  | { readonly name: 'awaiting-welcome' }
  | { readonly name: 'joined'; readonly joined: Joined }
  | { readonly name: 'training-over'; readonly joined: Joined | null }
  | { readonly name: 'moving'; readonly joined: Joined | null }
  | { readonly name: 'abandoned'; readonly welcomed: boolean }
  | { readonly name: 'ended'; readonly end: SessionEnd };

const everyInterval = (ms: number, tick: () => void): (() => void) => {
  const timer = setInterval(tick, ms);
  return () => clearInterval(timer);
};

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** What a welcomed session holds, in the states that keep it. */
function joinedOf(state: SessionState): Joined | null {
  return state.name === 'joined' || state.name === 'training-over' || state.name === 'moving' ? state.joined : null;
}

export class WorkerSession {
  private current: SessionState = { name: 'awaiting-welcome' };
  private stopping = false;
  private work: Promise<void> = Promise.resolve();
  private resolveEnd!: (end: SessionEnd) => void;
  /** How the session ended; resolves once. */
  readonly ended: Promise<SessionEnd> = new Promise((resolve) => (this.resolveEnd = resolve));

  constructor(private readonly deps: SessionDeps) {}

  get state(): SessionState {
    return this.current;
  }

  /** The complete parameter version this session holds, if any (readiness). */
  get heldParameters(): number | null {
    return joinedOf(this.current)?.heldVersion ?? null;
  }

  /** Resolves when the shards, parameters and tasks received so far have been handled. */
  settled(): Promise<void> {
    return this.work;
  }

  /** A command of the Join stream. */
  receive(command: Command__Output): void {
    if (this.current.name === 'ended') return;
    switch (command.command) {
      case 'welcome':
        return this.welcome(command.welcome!);
      case 'shard': {
        const update = command.shard!;
        this.deps.metrics?.shardReceived(update.pixels.byteLength + update.targets.byteLength);
        return this.enqueue((joined) => this.updateShard(joined, update));
      }
      case 'parameters': {
        const chunk = command.parameters!;
        return this.enqueue((joined) => this.receiveParameters(joined, chunk));
      }
      case 'task': {
        const task = command.task!;
        return this.enqueue((joined) => this.runTask(joined, task));
      }
      case 'finished':
        this.deps.log.info('training is over', { reason: command.finished!.reason });
        if (this.current.name === 'awaiting-welcome' || this.current.name === 'joined') {
          this.current = { name: 'training-over', joined: this.current.name === 'joined' ? this.current.joined : null };
        }
        return;
      case 'moved':
        if (this.current.name === 'awaiting-welcome' || this.current.name === 'joined') {
          this.deps.log.info('moved to another job', { reason: command.moved!.reason });
          this.stopHeartbeats();
          this.current = { name: 'moving', joined: this.current.name === 'joined' ? this.current.joined : null };
        }
        return;
    }
  }

  /** The worker is shutting down: cancel the stream, whose end then reads as stopped. */
  stop(): void {
    this.stopping = true;
    this.deps.link.cancel();
  }

  /** The stream failed (a cancel of ours included). */
  streamFailed(error: CallError): void {
    if (this.stopping && error.code === 'CANCELLED') return this.end({ kind: 'stopped' });
    this.end({ kind: 'error', error, welcomed: this.welcomed() });
  }

  /** The coordinator ended the stream. */
  streamEnded(): void {
    if (this.current.name === 'training-over') this.end({ kind: 'finished' });
    else if (this.current.name === 'moving') this.end({ kind: 'moved' });
    else if (this.stopping) this.end({ kind: 'stopped' });
    else this.end({ kind: 'error', error: { code: 'UNAVAILABLE', details: 'stream ended' }, welcomed: this.welcomed() });
  }

  private welcome(w: Welcome__Output): void {
    if (this.current.name !== 'awaiting-welcome') return;
    let net;
    try {
      net = this.deps.computeFor(w.specJson);
    } catch (error) {
      return this.abandon('unusable net from the coordinator', { error: messageOf(error) });
    }
    const identity: SessionIdentity = { workerId: w.workerId, session: w.session, generation: w.generation };
    const joined: Joined = {
      identity,
      compute: net.compute,
      shard: new ShardStore(net.spec.outputs),
      parameterCount: w.parameterCount,
      parameters: new ParameterStore(new Float32Array(w.parameterCount)),
      coordinatorParameters: { transfer: null, fromPeer: false },
      round: null,
      pendingSum: null,
      heldVersion: null,
      parameterBytes: 0,
      firstTaskSeen: false,
      heartbeatFailures: 0,
      stopHeartbeats: () => {},
    };
    this.current = { name: 'joined', joined };
    this.deps.metrics?.sessionBegun();
    this.deps.onWelcome();
    this.deps.log.info('joined', { worker: w.workerId, session: w.session, generation: w.generation, net: net.spec.name, parameters: w.parameterCount });
    joined.stopHeartbeats = (this.deps.every ?? everyInterval)(w.heartbeatIntervalMs, () => void this.heartbeat(joined));
  }

  private async heartbeat(joined: Joined): Promise<void> {
    const error = await this.deps.link.heartbeat(joined.identity);
    if (this.current.name === 'ended' || this.current.name === 'abandoned') return;
    if (!error) {
      joined.heartbeatFailures = 0;
      return;
    }
    if (error.code === 'FAILED_PRECONDITION' || error.code === 'UNAUTHENTICATED') return this.abandon('heartbeat refused', { details: error.details });
    // Heartbeats can time out while a long task blocks this process: only several in a row count.
    if (++joined.heartbeatFailures >= HEARTBEAT_FAILURES) this.abandon('coordinator unreachable', { details: error.details });
  }

  /** Queues work that needs a welcomed session; it is skipped in any other state when its turn comes. */
  private enqueue(step: (joined: Joined) => void | Promise<void>): void {
    this.work = this.work.then(() => {
      const joined = joinedOf(this.current);
      if (joined) return step(joined);
    });
  }

  private updateShard(joined: Joined, update: ShardUpdate__Output): void {
    // Anything but PART_VALID reads as train, as it always has (the coordinator never sends PART_UNSPECIFIED).
    const part = partFromWire(update.part) ?? 'train';
    try {
      joined.shard.drop(part, update.dropRows);
      if (update.addRows.length > 0) joined.shard.add(part, update.addRows, update.pixels, float32sOf(update.targets) ?? new Float32Array(0));
    } catch (error) {
      this.abandon('unusable shard update', { error: messageOf(error) });
    }
  }

  private receiveParameters(joined: Joined, chunk: ParameterChunk__Output): void {
    const outcome = this.storeParameters(joined, joined.coordinatorParameters, chunk);
    if (outcome.kind === 'problem') return this.abandon('unusable parameters from the coordinator', { version: chunk.version, problem: outcome.problem });
    // Only when a peer's newer version replaced it mid-way (a ring round of a later step).
    if (outcome.kind === 'stale') this.deps.log.warn('parameters from the coordinator replaced by a newer version', { version: chunk.version, now: joined.parameters.version });
  }

  /** A parameter chunk of the previous worker's Pass stream `source`; null without a welcomed session. */
  peerParameters(source: ParameterSource, chunk: ParameterChunk__Output): ReceiveOutcome | null {
    const joined = joinedOf(this.current);
    return joined ? this.storeParameters(joined, source, chunk) : null;
  }

  private storeParameters(joined: Joined, source: ParameterSource, chunk: ParameterChunk__Output): ReceiveOutcome {
    const outcome = joined.parameters.receive(source, chunk);
    if (outcome.kind !== 'stored') return outcome;
    joined.parameterBytes += chunk.values.byteLength;
    const complete = joined.parameters.completeVersion;
    if (complete !== null && joined.heldVersion !== complete) {
      joined.heldVersion = complete;
      this.deps.checkIn?.();
    }
    return outcome;
  }

  /** A parameter stream of the previous worker broke off: a round waiting for its version cannot finish. */
  peerParametersBroke(source: ParameterSource, why: string): void {
    const transfer = source.transfer;
    if (transfer) joinedOf(this.current)?.round?.parametersBroke(transfer.version, why);
  }

  /** The previous worker's running sum for a ring round: to that round, or kept until its task comes. */
  peerSum(incoming: IncomingSum): void {
    const joined = joinedOf(this.current);
    if (!joined) return incoming.finish({ code: 'UNAVAILABLE', details: 'this worker is not in a session' });
    if (joined.round?.matches(incoming.hello)) return joined.round.offerSum(incoming);
    // One at most: the previous worker opens one per round, and a newer round's replaces an older one's.
    joined.pendingSum?.finish({ code: 'ABORTED', details: 'a running sum of another ring round came' });
    joined.pendingSum = incoming;
  }

  private startRound(joined: Joined, task: Task__Output): void {
    const ring = task.ring!;
    const current = joined.round;
    if (current && current.ringId === ring.ringId && current.generation === task.generation) {
      this.deps.log.warn('ring task repeated; ignored', { task: task.taskId, ring: ring.ringId });
      return;
    }
    current?.superseded(`a task of ring round ${ring.ringId} (generation ${task.generation}) came`);
    const { dial } = this.deps;
    if (!dial && ring.nextAddress !== '') {
      // Only a worker set up without peers (no peer_address); the coordinator recomputes the round.
      this.deps.log.warn('ring task for a worker that cannot reach peers; ignored', { task: task.taskId, ring: ring.ringId });
      return;
    }
    const { workerId, session } = joined.identity;
    const round = new RingRound({
      task: { part: partFromWire(task.part) ?? 'train', generation: task.generation, taskId: task.taskId, epoch: task.epoch, step: task.step, parametersVersion: task.parametersVersion, ring },
      workerId,
      parameters: joined.parameters,
      dial: dial ?? (() => {
        throw new Error('this worker cannot reach peers');
      }),
      compute: () => this.computeTask(joined, task),
      report: (result, chunks, hops) =>
        this.deps.link.reportStream({ workerId, session, generation: task.generation, taskId: task.taskId, epoch: task.epoch, step: task.step, lossSum: result.lossSum, count: result.count }, chunks, hops),
      log: this.deps.log,
    });
    joined.round = round;
    const pending = joined.pendingSum;
    joined.pendingSum = null;
    if (pending && round.matches(pending.hello)) round.offerSum(pending);
    else pending?.finish({ code: 'ABORTED', details: `running sum of ring round ${pending.hello.ringId}, this worker is in round ${ring.ringId}` });
    void round.outcome.then((outcome) => {
      if (joined.round === round) joined.round = null;
      this.deps.metrics?.ringRoundEnded(outcome.kind);
      if (outcome.kind !== 'reported') return;
      if (outcome.refused) {
        this.deps.metrics?.resultRefused(outcome.refused.code);
        this.deps.log.warn('result refused', { task: task.taskId, code: outcome.refused.code, details: outcome.refused.details });
      } else this.deps.onAccepted();
    });
  }

  /**
   * The ring round gives way, and a running sum kept for a round that did
   * not start is refused. 'drop': the session ends, the round with it.
   * 'supersede': a star task came; a round that has sent everything still
   * ends with its answer (the coordinator may send the next tasks before
   * this worker hears back).
   */
  private endRing(joined: Joined | null, why: string, how: 'drop' | 'supersede'): void {
    if (!joined) return;
    if (how === 'drop') joined.round?.drop(why);
    else joined.round?.superseded(why);
    joined.round = null;
    joined.pendingSum?.finish({ code: 'ABORTED', details: why });
    joined.pendingSum = null;
  }

  private async runTask(joined: Joined, task: Task__Output): Promise<void> {
    const { log } = this.deps;
    if (!joined.firstTaskSeen) {
      joined.firstTaskSeen = true;
      log.info('first task of the session', { session: joined.identity.session, epoch: task.epoch, step: task.step, rows: task.rows.length });
    }
    if (task.ring) return this.startRound(joined, task);
    this.endRing(joined, 'a star task came', 'supersede');
    const received = joined.parameters;
    if (received.completeVersion === null || received.completeVersion !== task.parametersVersion) {
      return this.abandon('task without its parameters', { task: task.taskId, version: task.parametersVersion, have: received.version ?? 0, values: received.received });
    }
    const out = this.computeTask(joined, task);
    if (!out) return;
    const { workerId, session } = joined.identity;
    const refused = await this.deps.link.report(
      { workerId, session, generation: task.generation, taskId: task.taskId, epoch: task.epoch, step: task.step, lossSum: out.lossSum, count: out.count },
      out.gradSum,
    );
    if (refused) {
      this.deps.metrics?.resultRefused(refused.code);
      log.warn('result refused', { task: task.taskId, code: refused.code, details: refused.details });
    } else this.deps.onAccepted();
  }

  /** Computes a task at the held parameters (its metrics recorded); null when it failed and the session was given up. */
  private computeTask(joined: Joined, task: Task__Output): TaskOutput | null {
    const { metrics } = this.deps;
    const part = partFromWire(task.part) ?? 'train';
    let out;
    const started = performance.now();
    try {
      out = joined.compute({ part, parameters: joined.parameters.values, rows: task.rows, positions: task.positions, flipMask: task.flipMask, dropoutSeed: task.dropoutSeed }, joined.shard);
    } catch (error) {
      this.abandon('task failed', { task: task.taskId, error: messageOf(error) });
      return null;
    }
    metrics?.taskComputed({
      part,
      epoch: task.epoch,
      step: task.step,
      rows: out.count,
      lossSum: out.lossSum,
      seconds: (performance.now() - started) / 1000,
      parameterBytes: joined.parameterBytes,
      gradientBytes: out.gradSum?.byteLength ?? 0,
    });
    joined.parameterBytes = 0;
    this.deps.checkIn?.();
    return out;
  }

  /** Gives the session up: says why, and cancels the stream. */
  private abandon(why: string, fields: LogFields): void {
    if (this.current.name === 'ended' || this.current.name === 'abandoned') return;
    this.deps.log.error(why, fields);
    this.stopHeartbeats();
    this.endRing(joinedOf(this.current), `the session was given up: ${why}`, 'drop');
    this.current = { name: 'abandoned', welcomed: this.welcomed() };
    this.deps.link.cancel();
  }

  private welcomed(): boolean {
    const state = this.current;
    if (state.name === 'joined') return true;
    if (state.name === 'training-over' || state.name === 'moving') return state.joined !== null;
    if (state.name === 'abandoned') return state.welcomed;
    return false;
  }

  private stopHeartbeats(): void {
    joinedOf(this.current)?.stopHeartbeats();
  }

  private end(end: SessionEnd): void {
    if (this.current.name === 'ended') return;
    this.stopHeartbeats();
    this.endRing(joinedOf(this.current), `the session ended (${end.kind})`, 'drop');
    this.current = { name: 'ended', end };
    this.resolveEnd(end);
  }
}
