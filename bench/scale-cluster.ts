/**
 * One emulated training cluster of bench scale: the real `kfkd coordinator`
 * in the coordinator's namespace and N bench workers (scale-worker.ts) in
 * theirs, all on the emulated network (scale-net.ts). nextStep() yields the
 * first worker's training tasks as they start, one per step: the bench
 * times steps between them.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { EmulatedNetwork, Node } from './scale-net.ts';
import type { TaskStart } from './scale-worker.ts';

const KFKD = fileURLToPath(new URL('../apps/cli/bin/kfkd.js', import.meta.url));
const WORKER = fileURLToPath(new URL('./scale-worker.ts', import.meta.url));
// Children run in this node with tsx's loader (not tsx's CLI, which would add a wrapper process), so their pid is theirs.
const TSX_LOADER = import.meta.resolve('tsx');
const PORT = 50051;
/** The token the workers present (the coordinator reads it from $KFKD_TOKEN). */
const TOKEN = 'bench';

export interface ClusterOptions {
  readonly net: string;
  /** Kaggle-format CSV of `kfkd synth`. */
  readonly data: string;
  readonly batch: number;
  /** Passed as --topology; null: the flag is not given (a coordinator without it). */
  readonly topology: string | null;
  readonly msPerRow: number;
  /** Where the run directory and the processes' logs go. */
  readonly dir: string;
}

/** Whether this checkout's `kfkd coordinator` takes --topology. */
export function coordinatorHasTopology(): boolean {
  return execFileSync(process.execPath, [KFKD, 'coordinator', '--help'], { encoding: 'utf8' }).includes('--topology');
}

export class Cluster {
  readonly coordinator: ChildProcess;
  readonly workers: ChildProcess[];
  private readonly steps: TaskStart[] = [];
  private waiting: ((start: TaskStart) => void) | null = null;
  private failure: Error | null = null;
  private onFailure: ((error: Error) => void) | null = null;

  constructor(network: EmulatedNetwork, options: ClusterOptions) {
    const { net, data, batch, topology, msPerRow, dir } = options;
    const address = `${network.coordinator.address}:${PORT}`;
    const coordinatorArgs = ['coordinator', '--net', net, '--data', data, '--epochs', '1', '--batch', String(batch), '--run-dir', join(dir, 'run')];
    coordinatorArgs.push('--listen', address, '--min-workers', String(network.workers.length), '--metrics-listen', 'off', '--insecure');
    if (topology !== null) coordinatorArgs.push('--topology', topology);
    this.coordinator = this.start(network, network.coordinator, [process.execPath, KFKD, ...coordinatorArgs], join(dir, 'coordinator.log'));
    this.workers = network.workers.map((node) =>
      this.start(network, node, [process.execPath, '--import', TSX_LOADER, WORKER, address, node.name, String(msPerRow)], join(dir, `${node.name}.log`)),
    );
    const first = this.workers[0];
    if (!first.stdout) throw new Error('worker w0 has no stdout');
    createInterface({ input: first.stdout }).on('line', (line) => {
      const start = JSON.parse(line) as TaskStart;
      if (start.part !== 'train') return;
      if (this.waiting) {
        this.waiting(start);
        this.waiting = null;
      } else {
        this.steps.push(start);
      }
    });
    for (const worker of this.workers.slice(1)) worker.stdout?.resume();
  }

  /** The first worker's next training task start. @throws when a process of the cluster exits first */
  nextStep(): Promise<TaskStart> {
    const queued = this.steps.shift();
    if (queued) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.onFailure = reject;
    });
  }

  /** SIGTERM to every process, SIGKILL to those still there after 5 s; resolves when all have exited. */
  async stop(): Promise<void> {
    this.failure ??= new Error('cluster stopped');
    await Promise.all([this.coordinator, ...this.workers].map(stopProcess));
  }

  /** Every pid, for the signal handlers' last resort. */
  pids(): number[] {
    return [this.coordinator, ...this.workers].flatMap((p) => (p.pid === undefined ? [] : [p.pid]));
  }

  private start(network: EmulatedNetwork, node: Node, command: string[], logFile: string): ChildProcess {
    // KFKD_BENCH_NODE_ARGS: node flags for every process of the cluster (e.g. --cpu-prof --cpu-prof-dir=DIR to profile them).
    const nodeArgs = (process.env.KFKD_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const [program, ...args] = [...network.exec(node), command[0], ...nodeArgs, ...command.slice(1)];
    const log = createWriteStream(logFile);
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KFKD_TOKEN: TOKEN } });
    child.stderr?.pipe(log);
    if (node.name === 'coordinator') child.stdout?.pipe(log);
    child.once('exit', (code, signal) => {
      if (this.failure) return;
      this.failure = new Error(`${node.name} exited (${signal ?? code}) during the bench; its log: ${logFile}\n${tail(logFile)}`);
      this.onFailure?.(this.failure);
    });
    return child;
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}

function stopProcess(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
