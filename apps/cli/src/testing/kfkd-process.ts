/** Runs the real `kfkd` command in a child process, for the CLI's tests. */
import { type ChildProcess, execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, expect } from 'vitest';
import { EXIT_USAGE } from '../failure.ts';

export const KFKD_BIN = fileURLToPath(new URL('../../bin/kfkd.js', import.meta.url));

export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

// Children still running when a test file ends (a test timed out) are killed,
// so no training process outlives the test run.
const running = new Set<ChildProcess>();
afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
});

export async function kfkd(...args: string[]): Promise<Outcome> {
  return kfkdWithEnv({}, ...args);
}

export function kfkdWithEnv(env: Readonly<Record<string, string>>, ...args: string[]): Promise<Outcome> {
  // Plain output: Nx sets FORCE_COLOR, and Node warns on stderr when it sees both.
  // Metrics endpoints off: their default ports would clash between parallel tests.
  const inherited = { ...process.env };
  delete inherited.FORCE_COLOR;
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [KFKD_BIN, ...args],
      { env: { ...inherited, NO_COLOR: '1', KFKD_METRICS_LISTEN: 'off', ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        running.delete(child);
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    running.add(child);
  });
}

/** A failure the user can fix: one line on stderr, and exit code 2 (usage or configuration error) unless `code` says otherwise. */
export function expectOneLineError(result: Outcome, pattern: RegExp, code: number = EXIT_USAGE): void {
  expect(result.code, result.stderr).toBe(code);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(pattern);
}
