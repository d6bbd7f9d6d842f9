/**
 * Shard shipping against fake streams: each active worker is sent the rows
 * of the slots it gained (in chunks of at most 512 rows, pixels and targets
 * of the right rows) and told which rows it lost; nothing it holds is sent
 * again; a stream that fails drops its worker.
 */
import type { Command } from '@kfkd/proto';
import { float32sOf } from '@kfkd/proto';
import { memoryLogger } from '@kfkd/runtime';
import { describe, expect, it } from 'vitest';
import type { LeaveReason, Member } from './membership.ts';
import { poolEvents } from './pool-events.ts';
import { SHARD_CHUNK_ROWS, ShardShipper } from './shard-shipping.ts';
import { SLOT_COUNT, slotOf } from './sharding.ts';
import type { MemberStream } from './worker-registry.ts';

const TRAIN_ROWS = 1100;
const VALID_ROWS = 10;

/** Rows whose pixels all equal row % 251 and whose targets are [row, -row]. */
function rows(count: number) {
  const pixels = new Uint8Array(count * 9216);
  const targets = new Float32Array(count * 2);
  for (let r = 0; r < count; r++) {
    pixels.fill(r % 251, r * 9216, (r + 1) * 9216);
    targets.set([r, -r], r * 2);
  }
  return { rows: count, pixels, targets };
}

function setUp() {
  const members: Member[] = [];
  const streams = new Map<string, MemberStream & { sent: Command[]; failing: boolean }>();
  const left: [string, LeaveReason, string][] = [];
  let shardBytes = 0;
  const registry = {
    generation: 3,
    activeMembers: () => [...members],
    streamOf: (id: string) => streams.get(id),
    leave: (id: string, _session: number, reason: LeaveReason, detail: string) => void left.push([id, reason, detail]),
  };
  const shipper = new ShardShipper(registry, {
    data: { columns: ['x', 'y'], train: rows(TRAIN_ROWS), valid: rows(VALID_ROWS), sourceRows: TRAIN_ROWS + VALID_ROWS },
    log: memoryLogger(),
    events: poolEvents([{ shardSent: (bytes) => void (shardBytes += bytes) }]),
  });
  const add = (id: string): { sent: Command[]; failing: boolean } => {
    members.push({ id, session: members.length + 1, backend: 'wasm', device: 'cpu', state: 'active', joinedAt: 0, lastSeenAt: 0 });
    const entry = {
      session: members.length,
      parametersVersion: 0,
      sent: [] as Command[],
      failing: false,
      stream: {
        send: async (command: Command) => {
          if (entry.failing) throw new Error('stream gone');
          entry.sent.push(command);
        },
        close: () => undefined,
      },
    };
    streams.set(id, entry);
    return entry;
  };
  return { shipper, add, left, members, shardBytes: () => shardBytes };
}

/** The rows a worker holds after the shard messages it was sent, by part. */
function held(sent: readonly Command[]): Record<'PART_TRAIN' | 'PART_VALID', Set<number>> {
  const holds = { PART_TRAIN: new Set<number>(), PART_VALID: new Set<number>() };
  for (const { shard } of sent) {
    if (!shard) continue;
    const set = holds[shard.part as 'PART_TRAIN' | 'PART_VALID'];
    for (const r of shard.dropRows ?? []) set.delete(r);
    for (const r of shard.addRows ?? []) set.add(r);
  }
  return holds;
}

const rowsOwnedBy = (assignment: ReadonlyMap<number, string>, id: string, count: number) =>
  new Set(Array.from({ length: count }, (_, r) => r).filter((r) => assignment.get(slotOf(r)) === id));

describe('ShardShipper', () => {
  it("ships each worker its slots' rows in chunks, with their pixels and targets", async () => {
    const { shipper, add, shardBytes } = setUp();
    const a = add('a');
    const assignment = await shipper.reshard();
    expect(new Set(assignment.values())).toEqual(new Set(['a']));
    const trainChunks = a.sent.filter((c) => c.shard?.part === 'PART_TRAIN').map((c) => c.shard!);
    expect(trainChunks.map((s) => s.addRows!.length)).toEqual([SHARD_CHUNK_ROWS, SHARD_CHUNK_ROWS, TRAIN_ROWS - 2 * SHARD_CHUNK_ROWS]);
    for (const shard of trainChunks) {
      expect(shard.generation).toBe(3);
      const targets = float32sOf(shard.targets as Buffer)!;
      shard.addRows!.forEach((row, i) => {
        expect((shard.pixels as Buffer)[i * 9216 + 9215]).toBe(row % 251);
        expect([targets[2 * i], targets[2 * i + 1]]).toEqual([row, -row]);
      });
    }
    expect(held(a.sent).PART_VALID).toEqual(new Set(Array.from({ length: VALID_ROWS }, (_, r) => r)));
    expect(shardBytes()).toBe((TRAIN_ROWS + VALID_ROWS) * (9216 + 8));
  });

  it('moves only the slots a new worker takes: the others are told which rows they lost, and sent nothing again', async () => {
    const { shipper, add } = setUp();
    const a = add('a');
    await shipper.reshard();
    const before = a.sent.length;
    const b = add('b');
    const assignment = await shipper.reshard();
    expect(a.sent.slice(before).every((c) => c.shard?.dropRows?.length && !c.shard.addRows?.length)).toBe(true);
    for (const [id, worker] of [['a', a], ['b', b]] as const) {
      expect(held(worker.sent).PART_TRAIN).toEqual(rowsOwnedBy(assignment, id, TRAIN_ROWS));
      expect(held(worker.sent).PART_VALID).toEqual(rowsOwnedBy(assignment, id, VALID_ROWS));
    }
    // Settled: a reshard with the same workers ships nothing.
    const sentBefore = a.sent.length + b.sent.length;
    await shipper.reshard();
    expect(a.sent.length + b.sent.length).toBe(sentBefore);
    expect(new Set(assignment.keys()).size).toBe(SLOT_COUNT);
  });

  it('drops a worker whose stream fails while its shard is sent; a forgotten worker is sent its rows again', async () => {
    const { shipper, add, left } = setUp();
    const a = add('a');
    a.failing = true;
    await shipper.reshard();
    expect(left).toEqual([['a', 'stream-closed', 'could not send its shard']]);
    a.failing = false;
    shipper.forget('a');
    await shipper.reshard();
    expect(held(a.sent).PART_TRAIN.size).toBe(TRAIN_ROWS);
  });
});
