/**
 * `kfkd local`: a coordinator, N workers and the dashboard (unless
 * --no-dashboard) as child processes on loopback; the dashboard's URL is
 * printed before the workers start.
 * The coordinator's epoch table goes to stdout, every process's log to
 * stderr. TLS as everywhere: the coordinator makes (or reuses) the
 * credentials of its run directory, and its children get the worker folder
 * (workers) and the viewer one (the dashboard: it may only watch); the
 * coordinator's line about copying them is not shown, as nothing is copied.
 * Exit codes (failure.ts): the coordinator's when it ends by itself
 * (0 when the run is complete); Ctrl-C or SIGTERM asks the coordinator to
 * checkpoint and stop, then stops the workers, and exits 130 or 143; a
 * worker that fails stops the run the same way, and its code is ours. A
 * second signal (or our own exit) kills them all.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { constants } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { BackendChoice } from '@kfkd/model/backend-choice';
import { TOKEN_ENV } from './cluster-flags.ts';
import type { CoordinatorServiceFlags } from './coordinator-run.ts';
import { envName } from './options.ts';
import { ChildFailedError, EXIT_COMPLETE, EXIT_FAILED, type ExitCode, interruptedExitCode } from './failure.ts';
import { localWorkerMetricsListen } from './metrics-endpoint.ts';
import type { PipelineFlags } from './pipeline-run.ts';
import { onInterrupt } from './signals.ts';
import type { TrainingFlags } from './training-setup.ts';

/** What `kfkd local` is given (its flags: commands/local.ts). */
export interface LocalFlags extends TrainingFlags, Omit<CoordinatorServiceFlags, 'minWorkers'> {
  workers: number;
  backend: BackendChoice;
  /** Unless given, all the workers (commands/local.ts). */
  minWorkers?: number;
  /** false with --no-dashboard. */
  dashboard: boolean;
  dashboardListen: string;
}

const KFKD_BIN = fileURLToPath(new URL('../bin/kfkd.js', import.meta.url));

/** A child's exit as a code: a signal we did not handle counts as 128 + its number, as shells report it. */
function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return signal ? 128 + constants.signals[signal] : EXIT_FAILED;
}

export async function runLocal(flags: LocalFlags): Promise<ExitCode> {
  const coordinatorArgs = ['coordinator', ...trainingArgs(flags), '--listen', flags.listen, '--min-workers', String(flags.minWorkers ?? flags.workers)];
  coordinatorArgs.push('--step-timeout', String(flags.stepTimeout), '--heartbeat-timeout', String(flags.heartbeatTimeout));
  coordinatorArgs.push('--topology', flags.topology, '--ring-min-workers', String(flags.ringMinWorkers));
  coordinatorArgs.push('--metrics-listen', flags.metricsListen, '--resume-from', flags.resumeFrom);
  return runLocalCluster({ ...flags, coordinatorArgs });
}

/** What `kfkd pipeline --local-workers N` is given (its flags: commands/pipeline.ts). */
export interface LocalPipelineFlags extends PipelineFlags {
  /** Unset: the pipeline serves workers started elsewhere. */
  localWorkers?: number;
}

/**
 * `kfkd pipeline --local-workers N`: the pipeline (without that flag) as
 * the process the N workers join, as `kfkd local` runs a coordinator. No
 * dashboard yet: a pool's Watch stream is not served.
 */
export async function runLocalPipeline(flags: LocalPipelineFlags & { localWorkers: number }): Promise<ExitCode> {
  return runLocalCluster({
    coordinatorArgs: ['pipeline', ...pipelineArgs(flags)],
    workers: flags.localWorkers,
    backend: flags.backend,
    metricsListen: flags.metricsListen,
    dashboard: false,
    dashboardListen: '127.0.0.1:0',
    // The pipeline process must serve the workers, not start more.
    notPassedOn: [envName('--local-workers')],
  });
}

/** The pipeline's flags as resolved, to pass on to the pipeline process (credentials are its run directory's). */
function pipelineArgs(flags: PipelineFlags): string[] {
  const args = ['--net', flags.net, '--data', flags.data, '--batch', String(flags.batch), '--seed', String(flags.seed), '--run-dir', flags.runDir, '--backend', flags.backend];
  const optional: [string, string | number | undefined][] = [
    ['--epochs', flags.epochs],
    ['--specialist-epochs', flags.specialistEpochs],
    ['--test', flags.test],
    ['--out', flags.out],
    ['--grid', flags.grid],
    ['--lookup', flags.lookup],
    ['--submission', flags.submission],
  ];
  for (const [flag, value] of optional) if (value !== undefined) args.push(flag, String(value));
  args.push('--listen', flags.listen, '--min-workers', String(flags.minWorkers), '--step-timeout', String(flags.stepTimeout), '--heartbeat-timeout', String(flags.heartbeatTimeout));
  args.push('--topology', flags.topology, '--ring-min-workers', String(flags.ringMinWorkers));
  args.push('--metrics-listen', flags.metricsListen);
  return args;
}

/** A cluster on this machine: what serves the workers, and the workers and dashboard `kfkd local` starts beside it. */
export interface LocalCluster {
  /**
   * The command line of the process the workers join (`coordinator ...`, or
   * `pipeline ...` for `kfkd pipeline --local-workers`): it must log
   * `listening on HOST:PORT`, and its TLS credentials as `kfkd coordinator` does.
   */
  readonly coordinatorArgs: readonly string[];
  readonly workers: number;
  readonly backend: BackendChoice;
  /** The coordinator's --metrics-listen: worker i gets the port after it (metrics-endpoint.ts). */
  readonly metricsListen: string;
  readonly dashboard: boolean;
  readonly dashboardListen: string;
  /** Environment variables the children must not see, beyond the credentials' (e.g. the one that would make the coordinator start workers again). */
  readonly notPassedOn?: readonly string[];
}

/** Starts the coordinator, then the dashboard and the workers; exit codes and signals as `kfkd local` (see the top of this file). */
export async function runLocalCluster(flags: LocalCluster): Promise<ExitCode> {
  // The children's credentials are the run's own, whatever the environment says.
  const notPassedOn = new Set(['FORCE_COLOR', TOKEN_ENV, envName('--token-file'), envName('--credentials'), envName('--insecure'), envName('--viewer-token-file'), ...(flags.notPassedOn ?? [])]);
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !notPassedOn.has(name)));
  let credentials = '';
  const children = new Set<ChildProcess>();
  const killAll = (): void => {
    for (const child of children) child.kill('SIGKILL');
  };
  process.on('exit', killAll);
  // Set when we stop the run (a signal, a failed worker): children exiting then are expected to.
  let stopping = false;
  let failedWorker: ChildFailedError | null = null;
  const start = (name: string, args: string[], onStderrLine?: (line: string) => boolean | undefined, stdoutToStdout = false): ChildProcess => {
    // Their own process group: Ctrl-C in a terminal reaches only us, and we
    // stop them in order (a coordinator hit by the terminal's SIGINT and our
    // SIGTERM would take them as two signals and quit without a checkpoint).
    const child = spawn(process.execPath, [KFKD_BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    children.add(child);
    child.once('exit', (code, signal) => {
      children.delete(child);
      const exitCode = exitCodeOf(code, signal);
      if (stopping || exitCode === EXIT_COMPLETE || name === 'coordinator') return;
      if (name === 'dashboard') {
        process.stderr.write(`kfkd: the dashboard exited with code ${exitCode}; training goes on without it\n`);
        return;
      }
      // A worker that fails (a refusal, a missing GPU, a bug) fails the run: the others would wait for it forever.
      failedWorker = new ChildFailedError(name, exitCode);
      process.stderr.write(`kfkd: ${name} failed (exit code ${exitCode}); stopping the run\n`);
      stopRun();
    });
    createInterface({ input: child.stdout! }).on('line', (line) => (stdoutToStdout ? process.stdout : process.stderr).write(line + '\n'));
    createInterface({ input: child.stderr! }).on('line', (line) => {
      // A handler returning false hides the line.
      if (onStderrLine?.(line) !== false) process.stderr.write(line + '\n');
    });
    return child;
  };

  let workersStarted = false;
  let dashboard: ChildProcess | null = null;
  const startWorkers = (address: string): void => {
    if (workersStarted || stopping) return;
    workersStarted = true;
    for (let i = 1; i <= flags.workers; i++) {
      start(`worker local-${i}`, ['worker', '--coordinator', address, '--credentials', join(credentials, 'worker'), '--backend', flags.backend, '--id', `local-${i}`, '--peer-listen', '127.0.0.1:0', '--metrics-listen', localWorkerMetricsListen(flags.metricsListen, i)]);
    }
  };
  // The dashboard first, so its URL is printed (and the page can be opened) before training starts.
  const startDashboardThenWorkers = (address: string): void => {
    if (!flags.dashboard) return startWorkers(address);
    if (dashboard) return;
    dashboard = start('dashboard', ['dashboard', '--coordinator', address, '--credentials', join(credentials, 'viewer'), '--listen', flags.dashboardListen], (line) => {
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
    'coordinator',
    [...flags.coordinatorArgs],
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
  // The coordinator checkpoints and exits 143; the workers are stopped once it is gone.
  const stopRun = (): void => {
    stopping = true;
    if (coordinator.exitCode === null && coordinator.signalCode === null) coordinator.kill('SIGTERM');
  };
  const interruption = onInterrupt(() => stopRun());
  try {
    const coordinatorCode = await new Promise<number>((resolve) => coordinator.once('exit', (code, signal) => resolve(exitCodeOf(code, signal))));
    stopping = true;
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
            const ask = setTimeout(() => w.kill('SIGTERM'), coordinatorCode === EXIT_COMPLETE ? 2000 : 0);
            const insist = setTimeout(() => w.kill('SIGKILL'), 10_000);
            w.once('exit', () => {
              clearTimeout(ask);
              clearTimeout(insist);
            });
          }),
      ),
    );
    if (interruption.signal) return interruptedExitCode(interruption.signal);
    if (failedWorker) throw failedWorker;
    if (coordinatorCode !== EXIT_COMPLETE) throw new ChildFailedError('coordinator', coordinatorCode);
    return EXIT_COMPLETE;
  } finally {
    interruption.dispose();
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
