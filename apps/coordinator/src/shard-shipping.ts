/**
 * Shard shipping: deals the slots over the active workers (sharding.ts,
 * minimal moves) and sends each worker the rows of the slots it gained and
 * the row numbers of those it lost, for both parts. A worker whose stream
 * fails while it is sent its shard is dropped.
 */
import type { TrainingData } from '@kfkd/model';
import { PART_NAMES, float32Bytes, partToWire } from '@kfkd/proto';
import type { Logger } from '@kfkd/runtime';
import type { Member } from './membership.ts';
import type { PoolObserver } from './pool-events.ts';
import { type SlotAssignment, rebalance, rowsOfSlots } from './sharding.ts';
import type { WorkerRegistry } from './worker-registry.ts';

/** Rows per shard message: 512 x 9216 bytes = 4.5 MiB, far below the message size limit. */
export const SHARD_CHUNK_ROWS = 512;

export interface ShippingOptions {
  readonly data: TrainingData;
  readonly log: Logger;
  readonly events: Required<PoolObserver>;
}

export class ShardShipper {
  private assignment = new Map<number, string>();
  /** Slots whose rows each worker has been sent. */
  private readonly holdings = new Map<string, Set<number>>();

  constructor(
    private readonly registry: Pick<WorkerRegistry, 'activeMembers' | 'streamOf' | 'generation' | 'leave'>,
    private readonly options: ShippingOptions,
  ) {}

  /** Rebalances the slots over the active workers, ships the rows that moved, and returns the assignment. */
  async reshard(): Promise<SlotAssignment> {
    const active = this.registry.activeMembers();
    const { assignment, moves } = rebalance(this.assignment, active.map((w) => w.id));
    this.assignment = assignment;
    if (moves.length > 0) this.options.log.info('resharded', { slotsMoved: moves.length, workers: active.length, generation: this.registry.generation });
    const sends: Promise<void>[] = [];
    for (const w of active) {
      const owned = new Set([...assignment].filter(([, owner]) => owner === w.id).map(([slot]) => slot));
      const held = this.holdings.get(w.id) ?? new Set<number>();
      const gained = new Set([...owned].filter((s) => !held.has(s)));
      const lost = new Set([...held].filter((s) => !owned.has(s)));
      if (gained.size === 0 && lost.size === 0) continue;
      this.holdings.set(w.id, owned);
      sends.push(this.ship(w, gained, lost));
    }
    await Promise.all(sends);
    return assignment;
  }

  /** A worker left: it holds nothing any more (a rejoin is sent its rows again). */
  forget(worker: string): void {
    this.holdings.delete(worker);
  }

  private async ship(w: Member, gained: ReadonlySet<number>, lost: ReadonlySet<number>): Promise<void> {
    const entry = this.registry.streamOf(w.id);
    if (!entry) return;
    const { data } = this.options;
    const generation = this.registry.generation;
    try {
      for (const part of PART_NAMES) {
        const rows = data[part];
        const drop = rowsOfSlots(rows.rows, lost);
        const add = rowsOfSlots(rows.rows, gained);
        const pixelWidth = rows.pixels.length / Math.max(1, rows.rows);
        const targetWidth = rows.targets.length / Math.max(1, rows.rows);
        if (drop.length > 0) await entry.stream.send({ shard: { generation, part: partToWire(part), dropRows: drop } });
        for (let start = 0; start < add.length; start += SHARD_CHUNK_ROWS) {
          const chunk = add.slice(start, start + SHARD_CHUNK_ROWS);
          const pixels = Buffer.alloc(chunk.length * pixelWidth);
          const targets = new Float32Array(chunk.length * targetWidth);
          chunk.forEach((r, i) => {
            pixels.set(rows.pixels.subarray(r * pixelWidth, (r + 1) * pixelWidth), i * pixelWidth);
            targets.set(rows.targets.subarray(r * targetWidth, (r + 1) * targetWidth), i * targetWidth);
          });
          await entry.stream.send({ shard: { generation, part: partToWire(part), addRows: chunk, pixels, targets: float32Bytes(targets) } });
          this.options.events.shardSent(pixels.byteLength + targets.byteLength);
        }
      }
    } catch {
      this.registry.leave(w.id, w.session, 'stream-closed', 'could not send its shard');
    }
  }
}
