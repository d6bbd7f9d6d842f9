import { describe, expect, it } from 'vitest';
import { SLOT_COUNT, rebalance, rowsOfSlots, splitByOwner } from './sharding.ts';

function loads(assignment: ReadonlyMap<number, string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const w of assignment.values()) out[w] = (out[w] ?? 0) + 1;
  return out;
}

describe('sharding', () => {
  it('assigns every slot, balanced', () => {
    const { assignment, moves } = rebalance(new Map(), ['a', 'b', 'c']);
    expect(assignment.size).toBe(SLOT_COUNT);
    expect(loads(assignment)).toEqual({ a: 40, b: 40, c: 40 });
    expect(moves).toHaveLength(SLOT_COUNT);
  });

  it('a newcomer takes only its share; nothing else moves', () => {
    const before = rebalance(new Map(), ['a', 'b']).assignment;
    const { assignment, moves } = rebalance(before, ['a', 'b', 'c']);
    expect(loads(assignment)).toEqual({ a: 40, b: 40, c: 40 });
    expect(moves).toHaveLength(40);
    expect(moves.every((m) => m.to === 'c' && m.from !== null)).toBe(true);
    for (const [slot, owner] of assignment) if (owner !== 'c') expect(before.get(slot)).toBe(owner);
  });

  it("a departed worker's slots go to the others; nothing else moves", () => {
    const before = rebalance(new Map(), ['a', 'b', 'c']).assignment;
    const { assignment, moves } = rebalance(before, ['a', 'c']);
    expect(loads(assignment)).toEqual({ a: 60, c: 60 });
    expect(moves).toHaveLength(40);
    expect(moves.every((m) => m.from === null && before.get(m.slot) === 'b')).toBe(true);
  });

  it('splits a batch by owner, every row exactly once', () => {
    const { assignment } = rebalance(new Map(), ['a', 'b', 'c']);
    const items = Array.from({ length: 128 }, (_, position) => ({ row: 256 + position, position }));
    const parts = splitByOwner(items, assignment);
    const all = [...parts.values()].flat().map((i) => i.position).sort((x, y) => x - y);
    expect(all).toEqual(items.map((i) => i.position));
    for (const list of parts.values()) expect(list.length).toBeGreaterThanOrEqual(40);
  });

  it('finds the rows of slots', () => {
    expect(rowsOfSlots(250, new Set([1, 5]))).toEqual([1, 5, 121, 125, 241, 245]);
  });
});
