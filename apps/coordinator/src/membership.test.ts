import { describe, expect, it } from 'vitest';
import { activeMembers, admit, beforeJoin, beforeRound, emptyMembership, heartbeatCheck, join, leave, memberOf, readiness, silentMembers, touch } from './membership.ts';

const worker = (id: string) => ({ id, backend: 'cpu', device: 'test' });

describe('membership', () => {
  it('admits joiners at the next step, bumping the generation once', () => {
    let m = join(emptyMembership(), worker('a'), 0).membership;
    m = join(m, worker('b'), 5).membership;
    expect(activeMembers(m)).toHaveLength(0);
    expect(m.generation).toBe(0);
    const { membership, admitted } = admit(m);
    expect(admitted.map((w) => w.id)).toEqual(['a', 'b']);
    expect(membership.generation).toBe(1);
    expect(admit(membership).membership.generation).toBe(1);
  });

  it('a rejoin replaces the earlier session, whose messages are then unknown', () => {
    const first = join(emptyMembership(), worker('a'), 0);
    const m = admit(first.membership).membership;
    const second = join(m, worker('a'), 10);
    expect(second.replaced?.session).toBe(first.member.session);
    expect(second.membership.generation).toBe(m.generation + 1);
    expect(memberOf(second.membership, 'a', first.member.session)).toBeNull();
    expect(leave(second.membership, 'a', first.member.session)).toBeNull();
    expect(touch(second.membership, 'a', first.member.session, 20)).toBeNull();
  });

  it('drops silent idle workers by a fake clock, never busy ones', () => {
    let m = join(emptyMembership(), worker('a'), 0).membership;
    m = join(m, worker('b'), 0).membership;
    m = touch(m, 'a', 1, 900)!;
    expect(silentMembers(m, 1000, 500, new Set()).map((w) => w.id)).toEqual(['b']);
    expect(silentMembers(m, 1000, 500, new Set(['b']))).toEqual([]);
    expect(silentMembers(m, 1401, 500, new Set()).map((w) => w.id)).toEqual(['a', 'b']);
  });

  it('waits below the minimum, counting pending joiners', () => {
    let m = emptyMembership();
    expect(readiness(m, 2)).toEqual({ ready: false, have: 0, need: 2 });
    m = join(m, worker('a'), 0).membership;
    expect(readiness(m, 2)).toEqual({ ready: false, have: 1, need: 2 });
    m = join(m, worker('b'), 0).membership;
    expect(readiness(m, 2)).toEqual({ ready: true });
  });

  it('leaving an active member bumps the generation', () => {
    const m = admit(join(emptyMembership(), worker('a'), 0).membership).membership;
    const left = leave(m, 'a', 1)!;
    expect(left.removed.id).toBe('a');
    expect(left.membership.generation).toBe(m.generation + 1);
  });

  it('a join under a known id first removes the earlier session as replaced', () => {
    const first = join(emptyMembership(), worker('a'), 0);
    expect(beforeJoin(first.membership, worker('b'))).toEqual([]);
    expect(beforeJoin(first.membership, worker('a'))).toEqual([{ kind: 'remove', member: first.member, reason: 'replaced', detail: 'the worker joined again' }]);
  });

  it('a member that closed its stream or left has no stream to end; any other removal ends it with its reason', () => {
    const m = join(emptyMembership(), worker('a'), 0).membership;
    expect(leave(m, 'a', 1, 'stream-closed')!.endStream).toBe(false);
    expect(leave(m, 'a', 1, 'left')!.endStream).toBe(false);
    for (const reason of ['deadline', 'heartbeat', 'invalid-message', 'replaced', 'shutdown'] as const) expect(leave(m, 'a', 1, reason)!.endStream).toBe(true);
  });

  it('the heartbeat check removes silent idle members, saying for how long they were silent', () => {
    let m = join(emptyMembership(), worker('idle'), 0).membership;
    m = join(m, worker('busy'), 0).membership;
    expect(heartbeatCheck(m, 500, 500, new Set())).toEqual([]);
    const actions = heartbeatCheck(m, 501, 500, new Set(['busy']));
    expect(actions).toEqual([{ kind: 'remove', member: m.members.get('idle'), reason: 'heartbeat', detail: 'not heard from for 501 ms' }]);
  });

  it('before a round: waits below the minimum; admits pending members at the start of a job only, or when the active ones are too few', () => {
    let m = join(emptyMembership(), worker('a'), 0).membership;
    expect(beforeRound(m, 2, true).action).toEqual({ kind: 'wait', have: 1, need: 2 });
    m = join(m, worker('b'), 0).membership;
    const started = beforeRound(m, 2, true);
    expect(started.action).toMatchObject({ kind: 'activate', members: [{ id: 'a', state: 'active' }, { id: 'b', state: 'active' }] });
    expect(started.membership.generation).toBe(m.generation + 1);
    m = join(started.membership, worker('c'), 0).membership;
    // Mid-job, with enough active members: the joiner waits for the next step.
    const midJob = beforeRound(m, 2, false);
    expect(midJob).toEqual({ membership: m, action: { kind: 'activate', members: [] } });
    expect(beforeRound(m, 2, true).action).toMatchObject({ kind: 'activate', members: [{ id: 'c' }] });
    // Mid-job, one active member lost: too few without the joiner, which is admitted at once.
    m = leave(m, 'a', 1)!.membership;
    const short = beforeRound(m, 2, false);
    expect(short.action).toMatchObject({ kind: 'activate', members: [{ id: 'c', state: 'active' }] });
    expect(activeMembers(short.membership).map((w) => w.id)).toEqual(['b', 'c']);
  });
});
