/**
 * The worker registry: the membership, each member's stream and session,
 * and the record of why workers left. It carries out the decisions of
 * membership.ts (remove this session with this reason, activate these,
 * wait): ends streams, sends Welcomes, tells the observers and logs. What a
 * departure means for tasks and shards is the business of those who
 * registered for it (see the constructor).
 */
import type { Command } from '@kfkd/proto';
import type { Logger } from '@kfkd/runtime';
import { type Clock, type Timer, every } from './clock.ts';
import { CoordinatorStoppedError } from './errors.ts';
import * as membership from './membership.ts';
import { type LeaveReason, type Member, type Membership, type RemoveAction, type WorkerInfo, activeMembers } from './membership.ts';
import type { PoolObserver } from './pool-events.ts';

/** What the pool needs from a worker's Join stream (service.ts adapts the gRPC call). */
export interface WorkerStream {
  /** Resolves once the message is handed to the transport; rejects when the stream is gone. */
  send(command: Command): Promise<void>;
  /** Ends the stream: 'finished' (training is over) and 'moved' (to another job) end it normally; any other reason is an error status. */
  close(reason: LeaveReason | 'finished', detail: string): void;
}

/** A worker failure, kept as data: who, when, why. */
export interface FailureRecord {
  readonly worker: string;
  readonly session: number;
  readonly at: number;
  readonly reason: LeaveReason;
  readonly detail: string;
}

/** A member's stream and the parameter version it was sent last. */
export interface MemberStream {
  readonly session: number;
  readonly stream: WorkerStream;
  parametersVersion: number;
}

export interface RegistryOptions {
  readonly specJson: string;
  readonly parameterCount: number;
  readonly minWorkers: number;
  /** An idle worker not heard from within this time is dropped. */
  readonly heartbeatTimeoutMs: number;
  readonly clock: Clock;
  readonly log: Logger;
  readonly events: Required<PoolObserver>;
}

/** Told that a session left (before it is recorded); returns how many of its tasks were lost. */
export type DepartureHandler = (id: string, session: number, reason: LeaveReason) => number;

export class WorkerRegistry {
  private members: Membership = membership.emptyMembership();
  private readonly streams = new Map<string, MemberStream>();
  readonly failures: FailureRecord[] = [];
  private waiters: (() => void)[] = [];
  /** Sessions to move to another job at the next step boundary (release()), by worker id. */
  private readonly releasing = new Map<string, { session: number; detail: string }>();
  private stopped = false;
  private lastWaitLog = '';

  constructor(
    private readonly options: RegistryOptions,
    private readonly departed: DepartureHandler,
  ) {}

  get generation(): number {
    return this.members.generation;
  }

  /** Workers taking part in steps (joined workers become active at the next step). */
  get activeCount(): number {
    return activeMembers(this.members).length;
  }

  get memberCount(): number {
    return this.members.members.size;
  }

  /** The current members, pending and active. */
  currentMembers(): Member[] {
    return [...this.members.members.values()];
  }

  /** The active members, oldest session first (the order slots are dealt in). */
  activeMembers(): Member[] {
    return activeMembers(this.members).sort((a, b) => a.session - b.session);
  }

  member(id: string): Member | undefined {
    return this.members.members.get(id);
  }

  streamOf(id: string): MemberStream | undefined {
    return this.streams.get(id);
  }

  /**
   * Admits a worker (active from the next step on) and sends its Welcome.
   * `session`: the number a pool of several jobs gave the join (default: the next of this registry).
   */
  join(worker: WorkerInfo, stream: WorkerStream, session?: number): Member {
    for (const action of membership.beforeJoin(this.members, worker)) this.remove(action);
    const { membership: next, member } = membership.join(this.members, worker, this.options.clock.now(), session);
    this.members = next;
    this.streams.set(worker.id, { session: member.session, stream, parametersVersion: 0 });
    this.options.log.info('worker joined', { worker: worker.id, session: member.session, backend: worker.backend, device: worker.device, generation: next.generation });
    void stream
      .send({
        welcome: {
          workerId: worker.id,
          session: member.session,
          generation: next.generation,
          specJson: this.options.specJson,
          parameterCount: this.options.parameterCount,
          heartbeatIntervalMs: Math.max(100, Math.floor(this.options.heartbeatTimeoutMs / 4)),
        },
      })
      .catch(() => this.leave(worker.id, member.session, 'stream-closed', 'could not send the welcome'));
    this.options.events.workerChanged(member);
    this.notify();
    return member;
  }

  /** Removes a session (no-op for one already gone), fails its tasks and ends its stream. */
  leave(id: string, session: number, reason: LeaveReason, detail: string): void {
    const left = membership.leave(this.members, id, session, reason);
    if (!left) return;
    this.members = left.membership;
    const entry = this.streams.get(id);
    if (entry && entry.session === session) {
      this.streams.delete(id);
      if (left.endStream && reason === 'moved') {
        // Moved first, so the worker rejoins at once instead of backing off as after a dropped stream.
        void entry.stream
          .send({ moved: { reason: detail } })
          .catch(() => undefined)
          .finally(() => entry.stream.close(reason, detail));
      } else if (left.endStream) entry.stream.close(reason, detail);
    }
    if (this.releasing.get(id)?.session === session) this.releasing.delete(id);
    const tasksLost = this.departed(id, session, reason);
    const record = { worker: id, session, at: this.options.clock.now(), reason, detail };
    this.failures.push(record);
    this.options.events.workerLeft(record);
    const { log } = this.options;
    const say = reason === 'left' || reason === 'replaced' || reason === 'shutdown' || reason === 'moved' ? log.info : log.warn;
    say('worker removed', { worker: id, session, reason, detail, tasksLost, generation: this.members.generation });
    this.notify();
  }

  /** A heartbeat; the current generation, or null for an unknown session (or one that joined over another connection than `peer`). */
  heartbeat(id: string, session: number, peer?: string): number | null {
    if (!this.sessionOf(id, session, peer)) return null;
    if (!this.heardFrom(id, session)) return null;
    this.options.events.workerChanged(this.members.members.get(id)!);
    return this.members.generation;
  }

  /** Records that a session was heard from; false for an unknown one. */
  heardFrom(id: string, session: number): boolean {
    const touched = membership.touch(this.members, id, session, this.options.clock.now());
    if (touched) this.members = touched;
    return touched !== null;
  }

  /**
   * The member of a session, when `peer` (if known) is the connection it
   * joined over. Session numbers are no secret (they count up, and Watch
   * shows them), so without this any token holder could send results in
   * another worker's name: a finite, wrong gradient would be accepted into
   * the model, and a refused one would drop the real worker. A worker sends
   * its Join, Reports and Heartbeats over one channel, hence one
   * connection; after a reconnect it joins again.
   */
  sessionOf(id: string, session: number, peer: string | undefined): Member | null {
    const member = membership.memberOf(this.members, id, session);
    if (!member) return null;
    if (peer !== undefined && member.host !== undefined && member.host !== peer) return null;
    return member;
  }

  /** Drops idle workers not heard from within the heartbeat timeout; `busy` (computing a task) are exempt. */
  checkHeartbeats(busy: ReadonlySet<string>): void {
    const now = this.options.clock.now();
    for (const action of membership.heartbeatCheck(this.members, now, this.options.heartbeatTimeoutMs, busy)) this.remove(action);
  }

  /** Checks heartbeats a few times per timeout (at least every second) until the timer is cancelled. */
  watchHeartbeats(busy: () => ReadonlySet<string>): Timer {
    return every(this.options.clock, Math.min(1000, this.options.heartbeatTimeoutMs / 4), () => this.checkHeartbeats(busy()));
  }

  /**
   * Moves a worker's current session out of this job at the next step
   * boundary (the start of a step's job, or at once while waiting for
   * workers): it is sent Moved and its stream ends. A worker never leaves
   * a job mid-step but by failure. No-op for an unknown worker.
   */
  release(id: string, detail: string): void {
    const member = this.members.members.get(id);
    if (!member) return;
    this.releasing.set(id, { session: member.session, detail });
    this.notify();
  }

  /**
   * Waits until enough workers are there, admitting pending ones as
   * membership.beforeRound decides. At the start of a job (a step
   * boundary), first moves out the workers release() named.
   * @throws CoordinatorStoppedError
   */
  async ready(startOfJob: boolean): Promise<void> {
    for (;;) {
      if (this.stopped) throw new CoordinatorStoppedError();
      if (startOfJob) this.moveReleased();
      const { membership: next, action } = membership.beforeRound(this.members, this.options.minWorkers, startOfJob);
      this.members = next;
      if (action.kind === 'activate') {
        for (const w of action.members) {
          this.options.log.info('worker active', { worker: w.id, session: w.session, generation: next.generation });
          this.options.events.workerChanged(w);
        }
        this.lastWaitLog = '';
        return;
      }
      const line = `${action.have}/${action.need}`;
      if (line !== this.lastWaitLog) {
        this.lastWaitLog = line;
        this.options.log.info(`waiting for workers: ${action.have} connected, --min-workers is ${action.need}`, { have: action.have, need: action.need });
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /**
   * Ends every stream ('finished': tells the workers training is over;
   * 'moved': tells them to join again for another job of the pool); waiting
   * jobs fail with CoordinatorStoppedError.
   */
  stop(reason: 'finished' | 'shutdown' | 'moved'): void {
    this.stopped = true;
    for (const [id, { session, stream }] of [...this.streams]) {
      if (reason === 'finished') {
        void stream
          .send({ finished: { reason: 'training is over' } })
          .catch(() => undefined)
          .finally(() => stream.close('finished', 'training is over'));
        this.streams.delete(id);
        this.members = membership.leave(this.members, id, session)?.membership ?? this.members;
      } else if (reason === 'moved') {
        this.leave(id, session, 'moved', 'the job is over');
      } else {
        this.leave(id, session, 'shutdown', 'the coordinator is shutting down');
      }
    }
    this.notify();
  }

  private moveReleased(): void {
    for (const [id, { session, detail }] of [...this.releasing]) this.leave(id, session, 'moved', detail);
    this.releasing.clear();
  }

  private remove(action: RemoveAction): void {
    this.leave(action.member.id, action.member.session, action.reason, action.detail);
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
