import { describe, expect, it } from 'vitest';
import { SLOT_COUNT, type SlotAssignment, rebalance, rowsOfSlots, slotOf, splitByOwner } from './sharding.ts';

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
    expect(rowsOfSlots(250, new Set([1, 5]))).toEqual([25, 53, 145, 173]);
    expect([25, 53, 145, 173].map(slotOf)).toEqual([5, 1, 5, 1]);
  });

  it('maps every residue of SLOT_COUNT rows to its own slot', () => {
    expect(new Set(Array.from({ length: SLOT_COUNT }, (_, r) => slotOf(r))).size).toBe(SLOT_COUNT);
    expect(slotOf(SLOT_COUNT + 7)).toBe(slotOf(7));
  });

  /** The most rows any worker gets above its fair share, over every batch of `batch` consecutive rows. */
  function worstExcess(assignment: SlotAssignment, batch: number): number {
    const workers = new Set(assignment.values()).size;
    let worst = 0;
    for (let start = 0; start < SLOT_COUNT; start++) {
      const items = Array.from({ length: batch }, (_, i) => ({ row: start + i }));
      for (const part of splitByOwner(items, assignment).values()) worst = Math.max(worst, part.length - batch / workers);
    }
    return worst;
  }

  it('splits batches smaller than SLOT_COUNT evenly too, for fresh and grown pools', () => {
    for (const workers of [2, 3, 4, 5, 6, 8]) {
      const ids = Array.from({ length: workers }, (_, i) => `w${i}`);
      const fresh = rebalance(new Map(), ids).assignment;
      for (const batch of [32, 48, 64, 96, 128]) expect(worstExcess(fresh, batch), `${workers} workers, batch ${batch}`).toBeLessThanOrEqual(2);
    }
    // Joined one at a time: each newcomer took the most loaded workers' last slots.
    let grown: SlotAssignment = new Map();
    for (let n = 1; n <= 4; n++) grown = rebalance(grown, Array.from({ length: n }, (_, i) => `w${i}`)).assignment;
    for (const batch of [32, 64, 128]) expect(worstExcess(grown, batch), `grown to 4, batch ${batch}`).toBeLessThanOrEqual(4);
  });
});
