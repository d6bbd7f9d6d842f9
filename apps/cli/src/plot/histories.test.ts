import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { historyLine } from '@kfkd/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlotInputError } from './errors.ts';
import { loadRunHistories } from './histories.ts';
import { fakeRecords, writeFakeRun } from './testing.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kfkd-histories-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadRunHistories', () => {
  it('reads run directories and history files, named after their run directory', async () => {
    const net1 = await writeFakeRun(dir, 'net1', fakeRecords(4));
    const net2 = await writeFakeRun(dir, 'net2', fakeRecords(6));
    const other = join(dir, 'other.jsonl');
    await writeFile(other, historyLine(fakeRecords(1)[0]));
    const runs = await loadRunHistories([net1, join(net2, 'history.jsonl'), other, `${net1}/`]);
    expect(runs.map((r) => r.name)).toEqual([net1, 'net2', 'other', `${net1} (2)`]);
    expect(runs.map((r) => r.records.length)).toEqual([4, 6, 1, 4]);
    expect(runs[1].file).toBe(join(net2, 'history.jsonl'));
    expect(runs[0].records[0].trainLoss).toBeCloseTo(0.05);
  });

  it('labels runs whose directory names clash with the paths given', async () => {
    const a = await writeFakeRun(join(dir, 'a'), 'net1', fakeRecords(2));
    const b = await writeFakeRun(join(dir, 'b'), 'net1', fakeRecords(2));
    const runs = await loadRunHistories([a, join(b, 'history.jsonl')]);
    expect(runs.map((r) => r.name)).toEqual([a, b]);
  });

  it('names a missing path', async () => {
    const missing = join(dir, 'no-such-run');
    await expect(loadRunHistories([missing])).rejects.toThrow(new PlotInputError(missing, 'no such run directory or history file'));
  });

  it('says when a directory has no history.jsonl', async () => {
    const empty = join(dir, 'not-a-run');
    await mkdir(empty);
    await expect(loadRunHistories([empty])).rejects.toThrow(/not-a-run: no history\.jsonl here/);
  });

  it('names the file and line of a corrupt history', async () => {
    const run = await writeFakeRun(dir, 'corrupt', '{"epoch":1,"train_loss":0.1}\n');
    await expect(loadRunHistories([run])).rejects.toThrow(
      `${join(run, 'history.jsonl')}:1: corrupt history: field valid_loss is missing or not a number`,
    );
    const truncated = await writeFakeRun(dir, 'truncated', '{"epoch":1,"train_lo');
    await expect(loadRunHistories([truncated])).rejects.toThrow(/truncated\/history\.jsonl:1: corrupt history: not a JSON object/);
  });

  it('refuses an empty history', async () => {
    const run = await writeFakeRun(dir, 'fresh', '\n');
    const error = await loadRunHistories([run]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlotInputError);
    expect((error as Error).message).toMatch(/fresh\/history\.jsonl: the history is empty/);
  });
});
