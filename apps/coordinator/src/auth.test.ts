/** Roles from tokens, and token files that rotate without a restart. */
import { Metadata } from '@grpc/grpc-js';
import { mkdtemp, rm, symlink, writeFile, mkdir, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tokenMetadata } from '@kfkd/proto';
import { memoryLogger } from '@kfkd/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenCheck, TokenFile, parseTokens } from './auth.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kfkd-auth-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('TokenCheck', () => {
  it('names the role of a worker token and of a viewer token, and none for anything else', () => {
    const check = new TokenCheck('w-token', 'v-token');
    expect(check.roleOf(tokenMetadata('w-token'))).toBe('worker');
    expect(check.roleOf(tokenMetadata('v-token'))).toBe('viewer');
    expect(check.roleOf(tokenMetadata('w-toke'))).toBeNull();
    expect(check.roleOf(tokenMetadata(''))).toBeNull();
    expect(check.roleOf(new Metadata())).toBeNull();
    const basic = new Metadata();
    basic.set('authorization', 'Basic w-token');
    expect(check.roleOf(basic)).toBeNull();
  });

  it('refuses to start without a worker token', () => {
    expect(() => new TokenCheck('  ')).toThrow(/a worker token is required/);
  });
});

it('parses one token per line, ignoring comments and blank lines', () => {
  expect(parseTokens('# rotated 2026-01-01\nold-token\n\n  new-token  # added for the move\r\n')).toEqual(['old-token', 'new-token']);
});

describe('TokenFile', () => {
  it('sees an edit in place: the new token accepted, the removed one refused', async () => {
    const path = join(dir, 'edit.tokens');
    await writeFile(path, 'first\n');
    const check = new TokenCheck(new TokenFile(path));
    expect(check.roleOf(tokenMetadata('first'))).toBe('worker');
    await writeFile(path, 'first\nsecond\n');
    expect(check.roleOf(tokenMetadata('second'))).toBe('worker');
    expect(check.roleOf(tokenMetadata('first'))).toBe('worker');
    await writeFile(path, 'second\n');
    expect(check.roleOf(tokenMetadata('first'))).toBeNull();
    expect(check.roleOf(tokenMetadata('second'))).toBe('worker');
  });

  it('follows a Kubernetes Secret update (the ..data symlink swapped to a new folder)', async () => {
    const secret = join(dir, 'secret');
    await mkdir(join(secret, '..v1'), { recursive: true });
    await writeFile(join(secret, '..v1', 'viewer.tokens'), 'v1\n');
    await symlink('..v1', join(secret, '..data'));
    await symlink('..data/viewer.tokens', join(secret, 'viewer.tokens'));
    const check = new TokenCheck('w', new TokenFile(join(secret, 'viewer.tokens')));
    expect(check.roleOf(tokenMetadata('v1'))).toBe('viewer');
    await mkdir(join(secret, '..v2'));
    await writeFile(join(secret, '..v2', 'viewer.tokens'), 'v2\n');
    await symlink('..v2', join(secret, '..data_tmp'));
    await rename(join(secret, '..data_tmp'), join(secret, '..data'));
    expect(check.roleOf(tokenMetadata('v1'))).toBeNull();
    expect(check.roleOf(tokenMetadata('v2'))).toBe('viewer');
  });

  it('keeps the last tokens, with a warning, while the file is empty or gone; refuses an empty file at start', async () => {
    const path = join(dir, 'gone.tokens');
    await writeFile(path, 'kept\n');
    const log = memoryLogger();
    const check = new TokenCheck(new TokenFile(path, log));
    await writeFile(path, '# nothing yet\n');
    expect(check.roleOf(tokenMetadata('kept'))).toBe('worker');
    await rm(path);
    expect(check.roleOf(tokenMetadata('kept'))).toBe('worker');
    expect(log.lines.join('\n')).toMatch(/token file holds no token; keeping its previous tokens[\s\S]*token file unreadable/);
    await writeFile(path, '\n');
    expect(() => new TokenFile(path)).toThrow(/holds no token/);
  });
});
