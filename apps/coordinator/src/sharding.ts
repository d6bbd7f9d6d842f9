/**
 * Which worker holds which rows (pure). Rows are grouped into SLOT_COUNT
 * slots by slotOf(row), for the training and the validation rows alike; a
 * worker holds the rows of the slots it owns. A batch is a run of
 * consecutive rows and a worker owns runs of consecutive slots (rebalance()
 * deals them in order), so slotOf spreads consecutive rows far apart over
 * the slots: then any batch, even one smaller than SLOT_COUNT, is split
 * about evenly (see slotOf).
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

/**
 * 77 is coprime with 120, so slotOf maps the 120 residues one to one, and
 * 77/120 has no small-denominator approximation, so consecutive rows land
 * far apart. Checked exhaustively: for 2 to 8 workers owning equal runs of
 * consecutive slots and any window of 32 to 128 consecutive rows, no worker
 * gets more than 2 rows above its fair share (with `row % 120`, up to 28:
 * a batch of 64 went 60/4 to two workers, so the step took as long as on one).
 */
const SLOT_STRIDE = 77;

export function slotOf(row: number): number {
  return ((row % SLOT_COUNT) * SLOT_STRIDE) % SLOT_COUNT;
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
export function rowsOfSlots(rowCount: number, slots: ReadonlySet<number>): number[] {
  const rows: number[] = [];
  for (let r = 0; r < rowCount; r++) if (slots.has(slotOf(r))) rows.push(r);
  return rows;
}

/** Groups items by the owner of their row's slot, owners in first-appearance order. */
export function splitByOwner<T extends { readonly row: number }>(items: readonly T[], assignment: SlotAssignment): Map<string, T[]> {
  const parts = new Map<string, T[]>();
  for (const item of items) {
    const owner = assignment.get(slotOf(item.row));
    if (owner === undefined) throw new RangeError(`slot ${slotOf(item.row)} has no owner`);
    let list = parts.get(owner);
    if (!list) parts.set(owner, (list = []));
    list.push(item);
  }
  return parts;
}
