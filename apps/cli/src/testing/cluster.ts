/**
 * Long-running kfkd processes for the distributed-training tests: started on
 * loopback, their output collected line by line, and always stopped (every
 * process still running when a test file ends is killed).
 *
 * TLS is on, as by default: each test file gets its own credentials (made
 * once, before its tests), and a coordinator, worker or dashboard started
 * here gets its role's folder unless its arguments choose (--credentials,
 * --insecure, --tls-*) or the caller asks for the bare command line.
 * Every process also gets KFKD_TOKEN=TEST_TOKEN, which takes precedence over
 * the folders' token files, so raw clients can use TEST_TOKEN.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, expect } from 'vitest';
import { writeCredentials } from '../certs.ts';
import { KFKD_BIN } from './kfkd-process.ts';

export const TEST_TOKEN = 'test-token-4f9a';

const running = new Set<ChildProcess>();
afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
});

let credentialsDir = '';
beforeAll(async () => {
  credentialsDir = await mkdtemp(join(tmpdir(), 'kfkd-test-credentials-'));
  await writeCredentials(join(credentialsDir, 'credentials'), { sans: [] });
}, 120_000);
afterAll(async () => {
  if (credentialsDir) await rm(credentialsDir, { recursive: true, force: true });
});

/** The role folder of this test file's credentials (made before its tests). */
export function testCredentials(role: 'coordinator' | 'worker' | 'viewer'): string {
  if (!credentialsDir) throw new Error('test credentials are made in beforeAll: use them inside a test or hook');
  return join(credentialsDir, 'credentials', role);
}

const ROLE_OF_COMMAND: Readonly<Record<string, 'coordinator' | 'worker' | 'viewer'>> = { coordinator: 'coordinator', pipeline: 'coordinator', worker: 'worker', dashboard: 'viewer' };

/** `args` with the test credentials of their command's role, unless they say how to connect. */
export function withTestCredentials(args: readonly string[]): string[] {
  const role = ROLE_OF_COMMAND[args[0]];
  // `kfkd pipeline --local-workers` makes credentials of its own.
  const chosen = args.some((a) => a === '--credentials' || a === '--insecure' || a.startsWith('--tls-') || a === '--local-workers');
  return role && !chosen ? [args[0], '--credentials', testCredentials(role), ...args.slice(1)] : [...args];
}

export interface KfkdProcess {
  readonly child: ChildProcess;
  readonly stdout: string[];
  readonly stderr: string[];
  /** Resolves with the first line (past or future) of stdout or stderr matching `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Like waitFor, but only lines read from now on count. */
  waitForNext(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number>;
  /** `exited`, or a rejection carrying the process's output when it has not exited within `timeoutMs` (a hang shows what it was doing). */
  exitedWithin(timeoutMs: number): Promise<number>;
  kill(signal: NodeJS.Signals): void;
  /** Signals the process group, as a terminal's Ctrl-C does (started with `ownProcessGroup` only). */
  killGroup(signal: NodeJS.Signals): void;
}

/**
 * Metrics endpoints are off unless `env` sets KFKD_METRICS_LISTEN (the defaults are fixed ports, shared by parallel tests).
 * `bare`: the arguments as given, without the test credentials. `ownProcessGroup`: for `killGroup`.
 */
export function startKfkd(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
  options: { readonly bare?: boolean; readonly ownProcessGroup?: boolean } = {},
): KfkdProcess {
  const inherited = { ...process.env };
  delete inherited.FORCE_COLOR;
  const child = spawn(process.execPath, [KFKD_BIN, ...(options.bare ? args : withTestCredentials(args))], {
    env: { ...inherited, NO_COLOR: '1', KFKD_TOKEN: TEST_TOKEN, KFKD_METRICS_LISTEN: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.ownProcessGroup ?? false,
  });
  running.add(child);
  const stdout: string[] = [];
  const stderr: string[] = [];
  let watchers: { pattern: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];
  const onLine = (lines: string[]) => (line: string) => {
    lines.push(line);
    watchers = watchers.filter((w) => {
      const m = w.pattern.exec(line);
      if (m) w.resolve(m);
      return !m;
    });
  };
  createInterface({ input: child.stdout! }).on('line', onLine(stdout));
  createInterface({ input: child.stderr! }).on('line', onLine(stderr));
  const exited = new Promise<number>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? (signal ? 128 : 1));
    }),
  );
  return {
    child,
    stdout,
    stderr,
    exited,
    exitedWithin(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const hung = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`still running after ${timeoutMs} ms; stdout:\n${stdout.join('\n')}\nstderr:\n${stderr.join('\n')}`)), timeoutMs);
      });
      return Promise.race([exited, hung]).finally(() => clearTimeout(timer));
    },
    kill: (signal) => child.kill(signal),
    killGroup: (signal) => {
      if (!options.ownProcessGroup) throw new Error('killGroup needs ownProcessGroup');
      process.kill(-child.pid!, signal);
    },
    waitFor(pattern, timeoutMs = 60_000) {
      for (const line of [...stdout, ...stderr]) {
        const m = pattern.exec(line);
        if (m) return Promise.resolve(m);
      }
      return this.waitForNext(pattern, timeoutMs);
    },
    waitForNext(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; stderr:\n${stderr.join('\n')}`)), timeoutMs);
        watchers.push({
          pattern,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
        });
      });
    },
  };
}

/** Debug log lines: the coordinator's 'step applied' and 'task sent' records. */
export const DEBUG_LOG: Readonly<Record<string, string>> = { KFKD_LOG_LEVEL: 'debug' };

/** Starts a coordinator on 127.0.0.1 port 0 and resolves with it and its port. */
export async function startCoordinator(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<{ coordinator: KfkdProcess; port: number }> {
  const coordinator = startKfkd(['coordinator', '--listen', '127.0.0.1:0', ...args], env);
  const m = await coordinator.waitFor(/listening on 127\.0\.0\.1:(\d+)/);
  return { coordinator, port: Number(m[1]) };
}

export function startWorker(port: number, id: string, backend: string, env: Readonly<Record<string, string>> = {}): KfkdProcess {
  return startKfkd(['worker', '--coordinator', `127.0.0.1:${port}`, '--id', id, '--backend', backend], env);
}

export interface HistoryLine {
  epoch: number;
  train_loss: number;
  valid_loss: number;
}

export async function readHistory(runDir: string): Promise<HistoryLine[]> {
  const text = await readFile(join(runDir, 'history.jsonl'), 'utf8');
  return text
    .trim()
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as HistoryLine);
}

/** Same epochs, and the same losses up to float rounding (parts are summed in another order). */
export function expectSameHistory(actual: readonly HistoryLine[], expected: readonly HistoryLine[], relative = 1e-4): void {
  expect(actual.map((h) => h.epoch)).toEqual(expected.map((h) => h.epoch));
  actual.forEach((h, i) => {
    for (const key of ['train_loss', 'valid_loss'] as const) {
      const e = expected[i][key];
      expect(Math.abs(h[key] - e), `epoch ${h.epoch} ${key}: ${h[key]} vs ${e}`).toBeLessThanOrEqual(relative * Math.abs(e));
    }
  });
}

export interface StepPosition {
  readonly epoch: number;
  readonly step: number;
}

/** The steps a coordinator applied, in order, from its debug 'step applied' lines. */
export function appliedSteps(lines: readonly string[]): StepPosition[] {
  return lines.flatMap((line) => {
    const m = /\bstep applied epoch=(\d+) step=(\d+)\b/.exec(line);
    return m ? [{ epoch: Number(m[1]), step: Number(m[2]) }] : [];
  });
}

/** Every step from `from` to the end of epoch `epochs`, in order, each once. */
export function expectEveryStepOnce(applied: readonly StepPosition[], epochs: number, stepsPerEpoch: number, from: StepPosition = { epoch: 1, step: 0 }): void {
  const expected: StepPosition[] = [];
  for (let epoch = from.epoch; epoch <= epochs; epoch++) {
    for (let step = epoch === from.epoch ? from.step : 0; step < stepsPerEpoch; step++) expected.push({ epoch, step });
  }
  expect(applied).toEqual(expected);
}
