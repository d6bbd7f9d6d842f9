/**
 * Who takes part in training: pure decisions that return the next
 * membership and the actions to carry out (the worker registry applies
 * them: worker-registry.ts).
 *
 * A worker that joins is `pending` until the next step starts, then
 * `active`. Every change of the active set bumps the generation; messages
 * of an older generation are refused. A worker is identified by its id plus
 * the session number of its join: a rejoin under the same id replaces the
 * earlier session, and messages of the replaced session are refused.
 */
import type { LeaveReason, WorkerState } from '@kfkd/proto';

export type { LeaveReason } from '@kfkd/proto';

/**
 * A member's state (WorkerStatus.state on the wire):
 * - pending: joined; takes part from the next step on
 * - active:  holds a shard and receives tasks
 */
export type MemberState = WorkerState;

/** What a worker says of itself when it joins. */
export interface WorkerInfo {
  readonly id: string;
  /** Where it connected from (the gRPC peer), when known. */
  readonly host?: string;
  readonly backend: string;
  readonly device: string;
  /** Where it serves the Peer service for ring steps (JoinRequest.peer_address); absent: star steps only. */
  readonly peerAddress?: string;
}

export interface Member extends WorkerInfo {
  readonly session: number;
  readonly state: MemberState;
  readonly joinedAt: number;
  /** Last time the worker was heard from (join, heartbeat or result), ms. */
  readonly lastSeenAt: number;
}

export interface Membership {
  readonly generation: number;
  readonly nextSession: number;
  readonly members: ReadonlyMap<string, Member>;
}

/** Drop this session: end its stream (when it is still open), fail its tasks, record why. */
export interface RemoveAction {
  readonly kind: 'remove';
  readonly member: Member;
  readonly reason: LeaveReason;
  readonly detail: string;
}

/** These members became active (the generation was bumped once for all of them). */
export interface ActivateAction {
  readonly kind: 'activate';
  readonly members: readonly Member[];
}

/** Too few members for a step: wait for more, and say so. */
export interface WaitAction {
  readonly kind: 'wait';
  readonly have: number;
  readonly need: number;
}

export function emptyMembership(): Membership {
  return { generation: 0, nextSession: 1, members: new Map() };
}

export function activeMembers(m: Membership): Member[] {
  return [...m.members.values()].filter((w) => w.state === 'active');
}

/**
 * A join; replaces an earlier session of the same id (which the caller must
 * drop). `session`: the number a pool of several jobs gave the join (unique
 * across its jobs); by default the membership's next one.
 */
export function join(
  m: Membership,
  worker: WorkerInfo,
  now: number,
  session = m.nextSession,
): { membership: Membership; member: Member; replaced: Member | null } {
  const replaced = m.members.get(worker.id) ?? null;
  const member: Member = { ...worker, session, state: 'pending', joinedAt: now, lastSeenAt: now };
  const members = new Map(m.members);
  members.set(worker.id, member);
  const generation = replaced?.state === 'active' ? m.generation + 1 : m.generation;
  return { membership: { generation, nextSession: Math.max(m.nextSession, session) + 1, members }, member, replaced };
}

/** What must happen before `worker` joins: an earlier session of the same id is replaced. */
export function beforeJoin(m: Membership, worker: { id: string }): RemoveAction[] {
  const earlier = m.members.get(worker.id);
  return earlier ? [{ kind: 'remove', member: earlier, reason: 'replaced', detail: 'the worker joined again' }] : [];
}

/**
 * Removes a session; null when it is not (or no longer) a member.
 * `endStream`: whether its stream is still open to be ended with the
 * reason (a worker that closed it or left has none).
 */
export function leave(m: Membership, id: string, session: number, reason?: LeaveReason): { membership: Membership; removed: Member; endStream: boolean } | null {
  const member = m.members.get(id);
  if (!member || member.session !== session) return null;
  const members = new Map(m.members);
  members.delete(id);
  const generation = member.state === 'active' ? m.generation + 1 : m.generation;
  const endStream = reason !== 'stream-closed' && reason !== 'left';
  return { membership: { ...m, generation, members }, removed: member, endStream };
}

/** The member of a session, or null for an unknown worker or a replaced session. */
export function memberOf(m: Membership, id: string, session: number): Member | null {
  const member = m.members.get(id);
  return member && member.session === session ? member : null;
}

/** Records that a session was heard from; null for an unknown one. */
export function touch(m: Membership, id: string, session: number, now: number): Membership | null {
  const member = memberOf(m, id, session);
  if (!member) return null;
  const members = new Map(m.members);
  members.set(id, { ...member, lastSeenAt: now });
  return { ...m, members };
}

/** Makes every pending member active (at a step boundary). */
export function admit(m: Membership): { membership: Membership; admitted: Member[] } {
  const admitted = [...m.members.values()].filter((w) => w.state === 'pending');
  if (admitted.length === 0) return { membership: m, admitted };
  const members = new Map(m.members);
  for (const w of admitted) members.set(w.id, { ...w, state: 'active' });
  return { membership: { ...m, generation: m.generation + 1, members }, admitted };
}

/**
 * Members silent for longer than `timeoutMs`. Busy members (computing a task)
 * are exempt: tfjs blocks a worker's event loop while it computes, so its
 * heartbeats pause; the task's deadline covers it instead.
 */
export function silentMembers(m: Membership, now: number, timeoutMs: number, busy: ReadonlySet<string>): Member[] {
  return [...m.members.values()].filter((w) => !busy.has(w.id) && now - w.lastSeenAt > timeoutMs);
}

/** The heartbeat check: remove every silent idle member (see silentMembers). */
export function heartbeatCheck(m: Membership, now: number, timeoutMs: number, busy: ReadonlySet<string>): RemoveAction[] {
  return silentMembers(m, now, timeoutMs, busy).map((member) => ({
    kind: 'remove',
    member,
    reason: 'heartbeat',
    detail: `not heard from for ${now - member.lastSeenAt} ms`,
  }));
}

export type Readiness = { readonly ready: true } | { readonly ready: false; readonly have: number; readonly need: number };

/** Whether a step can run: enough members once the pending ones are admitted. */
export function readiness(m: Membership, minWorkers: number): Readiness {
  const have = m.members.size;
  const need = Math.max(1, minWorkers);
  return have >= need ? { ready: true } : { ready: false, have, need };
}

/**
 * Before each round of a job's work: wait while there are too few members;
 * otherwise admit the pending ones at the start of a job (a step boundary),
 * or in the middle of one when the active members alone are too few (the
 * lost rows of a round need someone to compute them).
 */
export function beforeRound(m: Membership, minWorkers: number, startOfJob: boolean): { membership: Membership; action: WaitAction | ActivateAction } {
  const ready = readiness(m, minWorkers);
  if (!ready.ready) return { membership: m, action: { kind: 'wait', have: ready.have, need: ready.need } };
  const active = activeMembers(m).length;
  if (!startOfJob && active >= minWorkers && active > 0) return { membership: m, action: { kind: 'activate', members: [] } };
  const { membership, admitted } = admit(m);
  return { membership, action: { kind: 'activate', members: admitted.map((w) => membership.members.get(w.id)!) } };
}
