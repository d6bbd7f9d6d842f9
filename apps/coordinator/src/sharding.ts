/**
 * Which worker holds which rows (pure). Rows are grouped into SLOT_COUNT
 * slots by `row % SLOT_COUNT`, for the training and the validation rows
 * alike; a worker holds the rows of the slots it owns. Since a batch is a run
 * of consecutive rows, every batch touches every slot about equally, so a
 * balanced slot assignment splits every batch about evenly.
 *
 * Rebalancing moves as few slots as possible: a departed worker's slots go
 * to the least loaded, a newcomer takes slots from the most loaded, and no
 * other slot changes hands. Data moves only with its slot.
 */

/** 120 divides evenly among 1, 2, 3, 4, 5, 6, 8, 10 and 12 workers. */
export const SLOT_COUNT = 120;

/** slot -> worker id. */
export type SlotAssignment = ReadonlyMap<number, string>;

export interface SlotMove {
  readonly slot: number;
  /** null when the slot had no (living) owner. */
  readonly from: string | null;
  readonly to: string;
}

export function slotOf(row: number, slots = SLOT_COUNT): number {
  return row % slots;
}

/**
 * The assignment for `workers` (in the order given, which breaks ties) that
 * keeps as much of `current` as balance allows.
 */
export function rebalance(current: SlotAssignment, workers: readonly string[], slots = SLOT_COUNT): { assignment: Map<number, string>; moves: SlotMove[] } {
  const assignment = new Map<number, string>();
  if (workers.length === 0) return { assignment, moves: [] };
  const owned = new Map<string, number[]>(workers.map((w) => [w, []]));
  const orphans: number[] = [];
  for (let slot = 0; slot < slots; slot++) {
    const owner = current.get(slot);
    const list = owner === undefined ? undefined : owned.get(owner);
    if (list) list.push(slot);
    else orphans.push(slot);
  }
  // Each worker may keep up to its quota: the first `slots % n` workers one more.
  const base = Math.floor(slots / workers.length);
  const extra = slots % workers.length;
  // Workers that already own most keep the larger quotas (fewer moves).
  const byLoad = [...workers].sort((a, b) => owned.get(b)!.length - owned.get(a)!.length || workers.indexOf(a) - workers.indexOf(b));
  const quota = new Map(byLoad.map((w, i) => [w, base + (i < extra ? 1 : 0)]));
  for (const w of workers) {
    const list = owned.get(w)!;
    const q = quota.get(w)!;
    if (list.length > q) orphans.push(...list.splice(q));
  }
  orphans.sort((a, b) => a - b);
  const moves: SlotMove[] = [];
  for (const w of workers) {
    const list = owned.get(w)!;
    while (list.length < quota.get(w)!) {
      const slot = orphans.shift()!;
      list.push(slot);
      const from = current.get(slot);
      moves.push({ slot, from: from !== undefined && owned.has(from) ? from : null, to: w });
    }
  }
  for (const [w, list] of owned) for (const slot of list) assignment.set(slot, w);
  return { assignment, moves };
}

/** The rows among `rowCount` whose slot is in `slots`, ascending. */
export function rowsOfSlots(rowCount: number, slots: ReadonlySet<number>, slotCount = SLOT_COUNT): number[] {
  const rows: number[] = [];
  for (let r = 0; r < rowCount; r++) if (slots.has(r % slotCount)) rows.push(r);
  return rows;
}

/** Groups items by the owner of their row's slot, owners in first-appearance order. */
export function splitByOwner<T extends { readonly row: number }>(items: readonly T[], assignment: SlotAssignment, slots = SLOT_COUNT): Map<string, T[]> {
  const parts = new Map<string, T[]>();
  for (const item of items) {
    const owner = assignment.get(slotOf(item.row, slots));
    if (owner === undefined) throw new RangeError(`slot ${slotOf(item.row, slots)} has no owner`);
    let list = parts.get(owner);
    if (!list) parts.set(owner, (list = []));
    list.push(item);
  }
  return parts;
}
