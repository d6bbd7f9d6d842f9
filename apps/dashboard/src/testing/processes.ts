/**
 * Real `kfkd` processes for the dashboard's tests: started with the shared
 * token, their stderr collected, waited on by pattern, and killed when the
 * test file ends (whatever happened).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

export const KFKD_BIN = fileURLToPath(new URL('../../../cli/bin/kfkd.js', import.meta.url));

const running = new Set<ChildProcess>();
afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
});

export interface KfkdProcess {
  readonly child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output (now or later). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Kills it and waits for its exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function startKfkd(env: Readonly<Record<string, string>>, ...args: string[]): KfkdProcess {
  const inherited = { ...process.env };
  delete inherited.FORCE_COLOR;
  const child = spawn(process.execPath, [KFKD_BIN, ...args], { env: { ...inherited, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => running.delete(child));
  let text = '';
  const waiters = new Set<() => void>();
  const append = (chunk: Buffer): void => {
    text += chunk.toString();
    for (const w of [...waiters]) w();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  return {
    child,
    output: () => text,
    waitFor: (pattern, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const m = pattern.exec(text);
          if (!m) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(m);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${pattern} from kfkd ${args[0]} within ${timeoutMs} ms; output:\n${text.slice(-3000)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
