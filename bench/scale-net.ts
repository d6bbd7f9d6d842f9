/**
 * The emulated cluster network of bench scale: one network namespace per
 * node (the coordinator and each worker), each with a veth pair to a Linux
 * bridge in a namespace of the bench's own, so that every node has a link
 * of its own to a non-blocking switch. Links are shaped at both ends (the
 * node's egress and the bridge port's egress), so a node has the rate up
 * and down at once, as a full-duplex switch port.
 *
 * Everything is named `kfkdscale<pid>-...`: a namespace whose pid no longer
 * runs is a leftover of a crashed run, removed by removeLeftovers(). Veths
 * live only inside these namespaces (eth0 in a node, the node's name on the
 * bridge), so deleting the namespaces removes every link and qdisc.
 *
 * Needs root, iproute2 (ip, tc) and the tbf qdisc; netem (for the added
 * delay) is used where the kernel has it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const PREFIX = 'kfkdscale';
const SUBNET = '10.203.0';

export interface Node {
  /** coordinator, w0, w1, ... */
  readonly name: string;
  readonly namespace: string;
  readonly address: string;
}

/** A link rate; null for an unshaped link. */
export interface LinkRate {
  readonly label: string;
  readonly bitsPerSecond: number | null;
}

/** Parses 1gbit, 500mbit, 5gbit or none. */
export function parseRate(text: string): LinkRate {
  if (text === 'none') return { label: 'none', bitsPerSecond: null };
  const match = /^(\d+(?:\.\d+)?)(k|m|g)bit$/.exec(text);
  if (!match) throw new Error(`rate ${text}: expected e.g. 1gbit, 500mbit or none`);
  const scale = { k: 1e3, m: 1e6, g: 1e9 }[match[2] as 'k' | 'm' | 'g'];
  return { label: text, bitsPerSecond: Number(match[1]) * scale };
}

function run(command: string, args: readonly string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function tryRun(command: string, args: readonly string[]): boolean {
  try {
    run(command, args);
    return true;
  } catch {
    return false;
  }
}

const namespaces = (): string[] =>
  run('ip', ['netns', 'list'])
    .split('\n')
    .map((line) => line.split(' ')[0])
    .filter((name) => name.startsWith(PREFIX));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Deletes the namespaces of earlier runs whose bench process is gone, and kills what still runs in them; returns their names. */
export function removeLeftovers(): string[] {
  const stale = namespaces().filter((name) => {
    const pid = Number(/^kfkdscale(\d+)-/.exec(name)?.[1]);
    return !Number.isInteger(pid) || !alive(pid);
  });
  for (const name of stale) {
    // The crashed run's coordinator and workers still run in them.
    for (const pid of run('ip', ['netns', 'pids', name]).split('\n').filter(Boolean).map(Number)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    tryRun('ip', ['netns', 'del', name]);
  }
  return stale;
}

export class EmulatedNetwork {
  readonly coordinator: Node;
  readonly workers: Node[] = [];
  /** The bridge's namespace. */
  private readonly switchNamespace: string;
  private readonly created: string[] = [];
  private readonly delayMs: number;
  /** Whether the kernel has netem, so links get the added delay. */
  readonly hasNetem: boolean;

  /** Builds the bridge and `workers` + 1 nodes. @throws when ip or tc fails (what was made is removed) */
  constructor(workers: number, delayMs: number) {
    const base = `${PREFIX}${process.pid}`;
    this.delayMs = delayMs;
    this.switchNamespace = `${base}-sw`;
    this.coordinator = { name: 'coordinator', namespace: `${base}-c`, address: `${SUBNET}.1` };
    for (let i = 0; i < workers; i++) this.workers.push({ name: `w${i}`, namespace: `${base}-w${i}`, address: `${SUBNET}.${10 + i}` });
    try {
      this.addNamespace(this.switchNamespace);
      run('ip', ['-n', this.switchNamespace, 'link', 'add', 'br0', 'type', 'bridge']);
      run('ip', ['-n', this.switchNamespace, 'link', 'set', 'br0', 'up']);
      for (const node of this.nodes()) this.addNode(node);
      this.hasNetem = tryRun('tc', ['-n', this.coordinator.namespace, 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '0ms']);
      if (this.hasNetem) run('tc', ['-n', this.coordinator.namespace, 'qdisc', 'del', 'dev', 'lo', 'root']);
    } catch (error) {
      this.remove();
      throw error;
    }
  }

  nodes(): Node[] {
    return [this.coordinator, ...this.workers];
  }

  /** Command-line prefix that runs a program inside `node`'s namespace (ip execs it: the pid is the program's). */
  exec(node: Node): string[] {
    return ['ip', 'netns', 'exec', node.namespace];
  }

  /**
   * Shapes every link to `rate` (both ends), with the added delay where netem
   * exists; an unshaped rate removes the qdiscs (the kernel's default again).
   * tbf's bucket holds 1 ms at the rate (at least 64 KiB, so that a 64 KiB
   * GSO packet passes whole) and its queue 10 ms more.
   */
  shape(rate: LinkRate): void {
    for (const node of this.nodes()) {
      for (const [namespace, device] of [
        [node.namespace, 'eth0'],
        [this.switchNamespace, node.name],
      ]) {
        tryRun('tc', ['-n', namespace, 'qdisc', 'del', 'dev', device, 'root']);
        if (rate.bitsPerSecond === null) continue;
        const burst = Math.max(64 * 1024, Math.round(rate.bitsPerSecond / 8 / 1000));
        run('tc', ['-n', namespace, 'qdisc', 'add', 'dev', device, 'root', 'handle', '1:', 'tbf', 'rate', String(rate.bitsPerSecond), 'burst', String(burst), 'latency', '10ms']);
        if (this.hasNetem && this.delayMs > 0) run('tc', ['-n', namespace, 'qdisc', 'add', 'dev', device, 'parent', '1:1', 'handle', '10:', 'netem', 'delay', `${this.delayMs}ms`]);
      }
    }
  }

  /** What shape() does, for the output. */
  describeShaping(): string {
    const delay = this.hasNetem ? `plus netem delay ${this.delayMs} ms` : 'no added delay (this kernel has no netem qdisc)';
    return `tbf at the rate on both ends of every node's veth (bucket 1 ms of the rate, >= 64 KiB; queue 10 ms), ${delay}`;
  }

  /** Deletes every namespace made (and so every veth, bridge and qdisc); safe to call twice. */
  remove(): void {
    while (this.created.length > 0) tryRun('ip', ['netns', 'del', this.created.pop() as string]);
  }

  /**
   * remove() in a detached process, for the signal handlers: it finishes even
   * if this process is killed at once (tsx's CLI, which runs the bench,
   * SIGKILLs it when it does not exit quickly after a signal).
   */
  removeDetached(): void {
    const names = this.created.splice(0);
    if (names.length === 0) return;
    spawn('sh', ['-c', names.map((name) => `ip netns del ${name}`).join('; ')], { detached: true, stdio: 'ignore' }).unref();
  }

  private addNamespace(name: string): void {
    run('ip', ['netns', 'add', name]);
    this.created.push(name);
  }

  private addNode(node: Node): void {
    this.addNamespace(node.namespace);
    run('ip', ['link', 'add', 'name', 'eth0', 'netns', node.namespace, 'type', 'veth', 'peer', 'name', node.name, 'netns', this.switchNamespace]);
    run('ip', ['-n', this.switchNamespace, 'link', 'set', node.name, 'master', 'br0', 'up']);
    run('ip', ['-n', node.namespace, 'addr', 'add', `${node.address}/24`, 'dev', 'eth0']);
    run('ip', ['-n', node.namespace, 'link', 'set', 'eth0', 'up']);
    run('ip', ['-n', node.namespace, 'link', 'set', 'lo', 'up']);
  }
}

/**
 * Bytes received and sent so far on eth0 of the namespace that process `pid`
 * runs in. /proc/<pid>/net/dev shows the same counters as
 * /sys/class/net/eth0/statistics/{rx,tx}_bytes inside that namespace, and a
 * plain read of it needs no `ip netns exec` (a process per read).
 */
export function linkBytes(pid: number): { rx: number; tx: number } {
  const line = readFileSync(`/proc/${pid}/net/dev`, 'utf8')
    .split('\n')
    .find((l) => l.trim().startsWith('eth0:'));
  if (!line) throw new Error(`no eth0 in the namespace of process ${pid}`);
  const fields = line.split(':')[1].trim().split(/\s+/).map(Number);
  // Receive: bytes packets errs drop fifo frame compressed multicast; then transmit: bytes ...
  return { rx: fields[0], tx: fields[8] };
}
