/**
 * `kfkd local`: a coordinator, N workers and the dashboard (unless
 * --no-dashboard) as child processes on loopback; the dashboard's URL is
 * printed before the workers start.
 * The coordinator's epoch table goes to stdout, every process's log to
 * stderr. TLS as everywhere: the coordinator makes (or reuses) the
 * credentials of its run directory, and its children get the worker folder
 * (workers) and the viewer one (the dashboard: it may only watch); the
 * coordinator's line about copying them is not shown, as nothing is copied.
 * Ctrl-C asks the coordinator to checkpoint and stop; when it exits, the
 * workers are stopped; a second Ctrl-C (or our own exit) kills them all.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { TOKEN_ENV } from './cluster-flags.ts';
import { envName } from './options.ts';
import type { LocalFlags } from './commands/local.ts';
import { UsageError } from './failure.ts';
import { localWorkerMetricsListen } from './metrics-endpoint.ts';
import { onInterrupt } from './signals.ts';

const KFKD_BIN = fileURLToPath(new URL('../bin/kfkd.js', import.meta.url));

export async function runLocal(flags: LocalFlags): Promise<void> {
  // The children's credentials are the run's own, whatever the environment says.
  const notPassedOn = new Set(['FORCE_COLOR', TOKEN_ENV, envName('--token-file'), envName('--credentials'), envName('--insecure'), envName('--viewer-token-file')]);
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !notPassedOn.has(name)));
  let credentials = '';
  const children = new Set<ChildProcess>();
  const killAll = (): void => {
    for (const child of children) child.kill('SIGKILL');
  };
  process.on('exit', killAll);
  const start = (args: string[], onStderrLine?: (line: string) => boolean | undefined, stdoutToStdout = false): ChildProcess => {
    const child = spawn(process.execPath, [KFKD_BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    child.once('exit', () => children.delete(child));
    createInterface({ input: child.stdout! }).on('line', (line) => (stdoutToStdout ? process.stdout : process.stderr).write(line + '\n'));
    createInterface({ input: child.stderr! }).on('line', (line) => {
      // A handler returning false hides the line.
      if (onStderrLine?.(line) !== false) process.stderr.write(line + '\n');
    });
    return child;
  };

  const coordinatorArgs = ['coordinator', ...trainingArgs(flags), '--listen', flags.listen, '--min-workers', String(flags.minWorkers ?? flags.workers)];
  coordinatorArgs.push('--step-timeout', String(flags.stepTimeout), '--heartbeat-timeout', String(flags.heartbeatTimeout));
  coordinatorArgs.push('--metrics-listen', flags.metricsListen, '--resume-from', flags.resumeFrom);
  let workersStarted = false;
  let dashboard: ChildProcess | null = null;
  const startWorkers = (address: string): void => {
    if (workersStarted) return;
    workersStarted = true;
    for (let i = 1; i <= flags.workers; i++) start(['worker', '--coordinator', address, '--credentials', join(credentials, 'worker'), '--backend', flags.backend, '--id', `local-${i}`, '--metrics-listen', localWorkerMetricsListen(flags.metricsListen, i)]);
  };
  // The dashboard first, so its URL is printed (and the page can be opened) before training starts.
  const startDashboardThenWorkers = (address: string): void => {
    if (!flags.dashboard) return startWorkers(address);
    if (dashboard) return;
    dashboard = start(['dashboard', '--coordinator', address, '--credentials', join(credentials, 'viewer'), '--listen', flags.dashboardListen], (line) => {
      const m = /\[dashboard\] serving (\S+)/.exec(line);
      if (!m) return undefined;
      process.stdout.write(`dashboard: ${m[1]}\n`);
      startWorkers(address);
      return undefined;
    });
    // Training does not depend on the dashboard.
    dashboard.once('exit', () => startWorkers(address));
  };
  const coordinator = start(
    coordinatorArgs,
    (line) => {
      const made = /TLS credentials: .* credentials=("(?:[^"\\]|\\.)*"|\S+)/.exec(line);
      if (made) {
        credentials = made[1].startsWith('"') ? (JSON.parse(made[1]) as string) : made[1];
        return false;
      }
      const m = /\blistening on (\S+)/.exec(line);
      // Workers connect to loopback whatever the coordinator bound (0.0.0.0 included).
      if (m) startDashboardThenWorkers(`127.0.0.1:${m[1].slice(m[1].lastIndexOf(':') + 1)}`);
      return undefined;
    },
    true,
  );
  const stopListening = onInterrupt(() => coordinator.kill('SIGTERM'));
  try {
    const code = await new Promise<number>((resolve) => coordinator.once('exit', (c, signal) => resolve(c ?? (signal ? 128 : 1))));
    // Nothing more to show once the coordinator is gone.
    (dashboard as ChildProcess | null)?.kill('SIGTERM');
    const workers = [...children];
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.exitCode !== null || w.signalCode !== null) return resolve();
            w.once('exit', () => resolve());
            // Workers leave by themselves when training is over; otherwise ask, then insist.
            const ask = setTimeout(() => w.kill('SIGTERM'), 2000);
            const insist = setTimeout(() => w.kill('SIGKILL'), 10_000);
            w.once('exit', () => {
              clearTimeout(ask);
              clearTimeout(insist);
            });
          }),
      ),
    );
    if (code !== 0) throw new UsageError(`the coordinator exited with code ${code} (its messages are above)`);
  } finally {
    stopListening();
    killAll();
    process.off('exit', killAll);
  }
}

/** The training flags as given, to pass on to the coordinator. */
function trainingArgs(flags: LocalFlags): string[] {
  const args = ['--net', flags.net, '--data', flags.data, '--batch', String(flags.batch), '--seed', String(flags.seed)];
  if (flags.cols) args.push('--cols', flags.cols);
  if (flags.epochs !== undefined) args.push('--epochs', String(flags.epochs));
  if (flags.lr !== undefined) args.push('--lr', String(flags.lr));
  if (flags.momentum !== undefined) args.push('--momentum', String(flags.momentum));
  if (flags.runDir) args.push('--run-dir', flags.runDir);
  if (flags.initFrom) args.push('--init-from', flags.initFrom);
  return args;
}
