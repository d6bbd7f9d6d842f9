/**
 * The recompute loop of a step's job, driven by a fake round runner: every
 * row is computed exactly once, the rows of a lost worker (and only those)
 * go to the others in the next round, and the parts come back in batch
 * order.
 */
import { memoryLogger } from '@kfkd/runtime';
import { describe, expect, it } from 'vitest';
import { SLOT_COUNT } from './sharding.ts';
import { type Job, type PartResult, type RoundRunner, type WorkItem, parameterMessages, runJob } from './step-job.ts';

const ROWS = 2 * SLOT_COUNT;
const job: Job = {
  part: 'train',
  epoch: 1,
  step: 3,
  parameters: new Float32Array(4),
  // Positions in the batch differ from the rows: parts are ordered by position.
  items: Array.from({ length: ROWS }, (_, i) => ({ row: i, position: ROWS - 1 - i })),
  flipMask: null,
  dropoutSeed: 0,
};

/** Slots dealt round-robin over `workers`, which answer every task except those `lose` says. */
function runner(rounds: string[][], lose: (worker: string, round: number) => boolean) {
  const calls: { round: number; worker: string; items: readonly WorkItem[] }[] = [];
  const ready: boolean[] = [];
  const run: RoundRunner = {
    ready: async (startOfJob) => void ready.push(startOfJob),
    reshard: async () => {
      const workers = rounds[ready.length - 1];
      return new Map(Array.from({ length: SLOT_COUNT }, (_, slot) => [slot, workers[slot % workers.length]]));
    },
    dispatch: async (worker, items): Promise<PartResult> => {
      const round = ready.length - 1;
      calls.push({ round, worker, items });
      if (lose(worker, round)) throw new Error(`${worker} lost`);
      return { firstPosition: Math.min(...items.map((i) => i.position)), count: items.length, lossSum: items.length, gradSum: null };
    },
  };
  return { run, calls, ready };
}

describe('runJob', () => {
  it('computes every row once in one round when no worker is lost, parts in batch-position order', async () => {
    const { run, calls, ready } = runner([['a', 'b']], () => false);
    const { parts, phases } = await runJob(job, run, memoryLogger());
    expect(ready).toEqual([true]);
    expect(calls.map((c) => c.worker)).toEqual(['a', 'b']);
    expect(parts.reduce((n, p) => n + p.count, 0)).toBe(ROWS);
    expect(parts.map((p) => p.firstPosition)).toEqual([...parts.map((p) => p.firstPosition)].sort((x, y) => x - y));
    expect(Object.keys(phases)).toEqual(['wait', 'shard', 'compute']);
  });

  it("recomputes only a lost worker's rows, by the others, in later rounds that do not admit joiners", async () => {
    const log = memoryLogger();
    // 'c' is lost in round 0; 'a' is lost again in round 1 (with part of c's rows).
    const { run, calls, ready } = runner(
      [
        ['a', 'b', 'c'],
        ['a', 'b'],
        ['b'],
      ],
      (worker, round) => (worker === 'c' && round === 0) || (worker === 'a' && round === 1),
    );
    const { parts } = await runJob(job, run, log);
    expect(ready).toEqual([true, false, false]);
    const rowsOf = (round: number, worker?: string) =>
      calls
        .filter((c) => c.round === round && (worker === undefined || c.worker === worker))
        .flatMap((c) => c.items.map((i) => i.row))
        .sort((x, y) => x - y);
    expect(rowsOf(1)).toEqual(rowsOf(0, 'c'));
    expect(rowsOf(2)).toEqual(rowsOf(1, 'a'));
    expect(calls.filter((c) => c.round === 2).map((c) => c.worker)).toEqual(['b']);
    // Each row counted once in the parts, none twice.
    expect(parts.reduce((n, p) => n + p.count, 0)).toBe(ROWS);
    expect(log.lines.filter((l) => l.startsWith('recomputing rows of lost workers'))).toEqual([
      `recomputing rows of lost workers ${JSON.stringify({ part: 'train', epoch: 1, step: 3, rows: rowsOf(0, 'c').length })}`,
      `recomputing rows of lost workers ${JSON.stringify({ part: 'train', epoch: 1, step: 3, rows: rowsOf(1, 'a').length })}`,
    ]);
  });

  it('fails when no worker can be waited for (the pool stopped)', async () => {
    const stopped = new Error('stopped');
    const run: RoundRunner = { ready: async () => Promise.reject(stopped), reshard: async () => new Map(), dispatch: async () => Promise.reject(new Error('unused')) };
    await expect(runJob(job, run, memoryLogger())).rejects.toBe(stopped);
  });
});

describe('parameterMessages', () => {
  it('carries the parameters as views of their chunks under one version', () => {
    const parameters = Float32Array.from({ length: 10 }, (_, i) => i);
    const messages = parameterMessages(7, parameters);
    expect(messages.bytes).toBe(40);
    expect(messages.commands.map((c) => c.parameters!.version)).toEqual([7]);
    const values = messages.commands[0].parameters!.values as Buffer;
    expect(values.buffer).toBe(parameters.buffer);
  });
});
