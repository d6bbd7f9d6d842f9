/** The shared atomic file write: whole replacement, nothing left behind on failure, the mode kept, errors naming the target. */
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileAtomically, writeFileDurably } from './atomic-write.ts';

let root: string;
let count = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'kfkd-atomic-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A fresh directory holding `target` with `previous` in it. */
async function directoryWith(previous: string): Promise<{ dir: string; target: string }> {
  const dir = join(root, `case-${count++}`);
  await mkdir(dir);
  const target = join(dir, 'file.bin');
  await writeFile(target, previous);
  return { dir, target };
}

describe('writeFileAtomically', () => {
  it('replaces the content whole, from text, bytes, chunks or a writer', async () => {
    const { dir, target } = await directoryWith('a much longer previous content that must not survive in part');
    await writeFileAtomically(target, 'short');
    expect(await readFile(target, 'utf8')).toBe('short');
    await writeFileAtomically(target, new Uint8Array([1, 2, 3]));
    expect([...(await readFile(target))]).toEqual([1, 2, 3]);
    await writeFileAtomically(target, [Buffer.from('ab'), new Uint8Array(new Float32Array([1]).buffer), Buffer.from('cd')]);
    expect(await readFile(target)).toEqual(Buffer.concat([Buffer.from('ab'), Buffer.from(new Float32Array([1]).buffer), Buffer.from('cd')]));
    await writeFileAtomically(target, async (file) => {
      await file.write('streamed ');
      await file.write('output');
    });
    expect(await readFile(target, 'utf8')).toBe('streamed output');
    expect(await readdir(dir)).toEqual(['file.bin']);
  });

  it('creates a file that does not exist yet', async () => {
    const { dir } = await directoryWith('');
    await writeFileAtomically(join(dir, 'new.txt'), 'new\n');
    expect(await readFile(join(dir, 'new.txt'), 'utf8')).toBe('new\n');
  });

  it('leaves the old file intact and no temporary file when the write fails midway', async () => {
    const { dir, target } = await directoryWith('previous\n');
    const failure = new RangeError('cannot write coordinate NaN');
    const error = await writeFileAtomically(target, async (file) => {
      await file.write('half of the new content');
      throw failure;
    }).catch((e: unknown) => e);
    // A writer's own error comes back as it was thrown.
    expect(error).toBe(failure);
    expect(await readFile(target, 'utf8')).toBe('previous\n');
    expect(await readdir(dir)).toEqual(['file.bin']);
  });

  it('leaves the old file intact when the step before the replacement fails, and runs that step with the new content on disk', async () => {
    const { dir, target } = await directoryWith('previous\n');
    let seen: string[] = [];
    const error = await writeFileAtomically(target, 'next\n', {
      beforeReplace: async () => {
        seen = await readdir(dir);
        throw Object.assign(new Error("EEXIST: file already exists, link 'a' -> 'b'"), { code: 'EEXIST' });
      },
    }).catch((e: unknown) => e);
    expect(seen.filter((name) => name.endsWith('.tmp'))).toHaveLength(1);
    expect((error as Error).message).toBe(`cannot write ${target}: file already exists (EEXIST)`);
    expect(await readFile(target, 'utf8')).toBe('previous\n');
    expect(await readdir(dir)).toEqual(['file.bin']);
  });

  it('names the temporary file unpredictably, next to the target', async () => {
    const { dir, target } = await directoryWith('');
    const names: string[] = [];
    for (let i = 0; i < 2; i++) {
      await writeFileAtomically(target, 'x', { beforeReplace: async () => void names.push(...(await readdir(dir)).filter((n) => n !== 'file.bin')) });
    }
    expect(names).toHaveLength(2);
    expect(names[0]).toMatch(/^\.file\.bin\.[0-9a-f]{12}\.tmp$/);
    expect(names[0]).not.toBe(names[1]);
  });

  it.skipIf(process.platform === 'win32')('gives the new file the mode asked for, whatever the old one had', async () => {
    const { target } = await directoryWith('public\n');
    await writeFileAtomically(target, 'secret\n', { mode: 0o600 });
    expect((await stat(target)).mode & 0o777).toBe(0o600);
    const durable = join(root, 'durable.key');
    await writeFileDurably(durable, 'secret\n', { mode: 0o600 });
    expect((await stat(durable)).mode & 0o777).toBe(0o600);
  });

  it('says which file it cannot write when the directory is missing, keeping the code', async () => {
    const missing = join(root, 'no-such-dir', 'file.csv');
    const error = await writeFileAtomically(missing, 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(`cannot write ${missing}: no such file or directory (ENOENT)`);
    expect((error as NodeJS.ErrnoException).code).toBe('ENOENT');
  });
});

describe('writeFileDurably', () => {
  it('refuses to overwrite when exclusive, and overwrites otherwise', async () => {
    const { target } = await directoryWith('previous\n');
    await expect(writeFileDurably(target, 'next\n', { exclusive: true })).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await readFile(target, 'utf8')).toBe('previous\n');
    await writeFileDurably(target, 'next\n');
    expect(await readFile(target, 'utf8')).toBe('next\n');
  });
});
