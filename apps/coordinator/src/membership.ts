/**
 * Who takes part in training (pure decisions; the pool applies them).
 *
 * A worker that joins is `pending` until the next step starts, then
 * `active`. Every change of the active set bumps the generation; messages
 * of an older generation are refused. A worker is identified by its id plus
 * the session number of its join: a rejoin under the same id replaces the
 * earlier session, and messages of the replaced session are refused.
 */

export type MemberState =
  /** Joined; takes part from the next step on. */
  | 'pending'
  /** Holds a shard and receives tasks. */
  | 'active';

export interface Member {
  readonly id: string;
  readonly session: number;
  /** Where it connected from (the gRPC peer), when known. */
  readonly host?: string;
  readonly backend: string;
  readonly device: string;
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

export type LeaveReason = 'left' | 'stream-closed' | 'deadline' | 'heartbeat' | 'invalid-message' | 'replaced' | 'shutdown';

export function emptyMembership(): Membership {
  return { generation: 0, nextSession: 1, members: new Map() };
}

export function activeMembers(m: Membership): Member[] {
  return [...m.members.values()].filter((w) => w.state === 'active');
}

/** A join; replaces an earlier session of the same id (which the caller must drop). */
export function join(m: Membership, worker: { id: string; host?: string; backend: string; device: string }, now: number): { membership: Membership; member: Member; replaced: Member | null } {
  const replaced = m.members.get(worker.id) ?? null;
  const member: Member = { ...worker, session: m.nextSession, state: 'pending', joinedAt: now, lastSeenAt: now };
  const members = new Map(m.members);
  members.set(worker.id, member);
  const generation = replaced?.state === 'active' ? m.generation + 1 : m.generation;
  return { membership: { generation, nextSession: m.nextSession + 1, members }, member, replaced };
}

/** Removes a session; null when it is not (or no longer) a member. */
export function leave(m: Membership, id: string, session: number): { membership: Membership; removed: Member } | null {
  const member = m.members.get(id);
  if (!member || member.session !== session) return null;
  const members = new Map(m.members);
  members.delete(id);
  const generation = member.state === 'active' ? m.generation + 1 : m.generation;
  return { membership: { ...m, generation, members }, removed: member };
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

export type Readiness = { readonly ready: true } | { readonly ready: false; readonly have: number; readonly need: number };

/** Whether a step can run: enough members once the pending ones are admitted. */
export function readiness(m: Membership, minWorkers: number): Readiness {
  const have = m.members.size;
  const need = Math.max(1, minWorkers);
  return have >= need ? { ready: true } : { ready: false, have, need };
}
