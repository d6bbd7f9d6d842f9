/** Runs the real `kfkd` command in a child process, for the CLI's tests. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'vitest';

export const KFKD_BIN = fileURLToPath(new URL('../../bin/kfkd.js', import.meta.url));
const run = promisify(execFile);

export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

export async function kfkd(...args: string[]): Promise<Outcome> {
  return kfkdWithEnv({}, ...args);
}

export async function kfkdWithEnv(env: Readonly<Record<string, string>>, ...args: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, [KFKD_BIN, ...args], {
      env: { ...process.env, NO_COLOR: '1', ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** A failure the user can fix: exit code 1 and one line on stderr. */
export function expectOneLineError(result: Outcome, pattern: RegExp): void {
  expect(result.code).toBe(1);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(pattern);
}
