import { describe, expect, it } from 'vitest';
import { activeMembers, admit, emptyMembership, join, leave, memberOf, readiness, silentMembers, touch } from './membership.ts';

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
});
