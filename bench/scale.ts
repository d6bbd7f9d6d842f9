/**
 * `npm run bench -- scale [--nets net2,net7] [--workers 1,2,4,8] [--rates 1gbit,5gbit,none]
 *   [--topologies star,ring] [--steps 5] [--warmup 2] [--ms-per-row 0.5] [--delay-ms 0.1]`
 *
 * Point 5 of issue 15: distributed steps on an emulated cluster. The real
 * `kfkd coordinator` (real net spec, data path and Nesterov update;
 * plaintext gRPC, --insecure) and N workers each run in a network namespace
 * of their own, linked through a bridge by veth pairs shaped with tc
 * (scale-net.ts). The workers are the real @kfkd/worker with the compute
 * replaced by a fixed time per row (scale-worker.ts), so that 2 cores carry
 * only the bytes.
 *
 * The GPU figure: 0.5 ms per training row for net2 (forward and backward of
 * one 96x96 image, 0.26 GFLOP), scaled for other nets by their training
 * FLOPs (trainingFlopsPerImage of compute.ts: net7 0.31 GFLOP, 0.60 ms). The
 * tutorial this project follows trained net2 "more than 20 minutes" for 1000
 * epochs of ~1,700 rows on a GPU of 2014, ~0.7 ms per row; 0.5 ms stands for
 * a GPU of today held back by the small per-worker batches of a data-parallel
 * step (16 rows each at N = 8). A faster GPU only makes the links matter more.
 *
 * Each (net, N) cluster starts once per topology and goes through the link
 * rates in turn within one epoch: the links are reshaped, `--warmup` steps
 * pass, then `--steps` steps are timed between the first worker's task starts
 * (median), and the coordinator's veth counters and every process's CPU time
 * are read at the first and last of them.
 *
 * For a closer look: KFKD_BENCH_NODE_ARGS passes node flags to every process
 * of the clusters (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`), and
 * KFKD_BENCH_KEEP=1 keeps their logs (the bench prints where).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { netSpec, paramLayout } from '@kfkd/model';
import { trainingFlopsPerImage } from './compute.ts';
import { cpuSecondsOf, machineBusySeconds } from './process-cpu.ts';
import { Cluster, coordinatorHasTopology } from './scale-cluster.ts';
import { EmulatedNetwork, type LinkRate, linkBytes, parseRate, removeLeftovers } from './scale-net.ts';

const KFKD = new URL('../apps/cli/bin/kfkd.js', import.meta.url).pathname;
const BATCH = 128;
/** The coordinator holds out this share of the rows for validation (nolearn's eval_size). */
const VALID_FRACTION = 0.2;

interface Options {
  readonly nets: string[];
  readonly workers: number[];
  readonly rates: LinkRate[];
  readonly topologies: string[];
  readonly steps: number;
  readonly warmup: number;
  /** For net2; other nets scaled by their training FLOPs. */
  readonly msPerRow: number;
  readonly delayMs: number;
}

/** One timed stretch of steps of one cluster at one rate. */
interface Measurement {
  readonly stepMs: number;
  readonly coordinatorBytesPerStep: number;
  readonly coordinatorCpuMsPerStep: number;
  /** Mean over the workers. */
  readonly workerCpuMsPerStep: number;
  /** CPU of every process of the cluster over the wall time of the steps, in cores (the machine has 2). */
  readonly coresBusy: number;
  /** The same for the whole machine: other processes and the kernel's packet forwarding (softirq) included. */
  readonly machineCoresBusy: number;
}

function parse(args: string[]): Options {
  const option = (name: string, fallback: string): string => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
  const list = (name: string, fallback: string): string[] => option(name, fallback).split(',').filter(Boolean);
  return {
    nets: list('--nets', 'net2,net7'),
    workers: list('--workers', '1,2,4,8').map(Number),
    rates: list('--rates', '1gbit,5gbit,none').map(parseRate),
    topologies: list('--topologies', 'star,ring'),
    steps: Number(option('--steps', '5')),
    warmup: Number(option('--warmup', '2')),
    msPerRow: Number(option('--ms-per-row', '0.5')),
    delayMs: Number(option('--delay-ms', '0.1')),
  };
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function scale(args: string[]): Promise<void> {
  const options = parse(args);
  if (process.getuid?.() !== 0) throw new Error('bench scale needs root (ip netns, tc)');
  const stale = removeLeftovers();
  if (stale.length > 0) console.log(`removed ${stale.length} namespaces left by an earlier run: ${stale.join(', ')}`);

  const withTopology = coordinatorHasTopology();
  const topologies = withTopology ? options.topologies : options.topologies.filter((t) => t === 'star');
  const skipped = options.topologies.filter((t) => !topologies.includes(t));

  // Resources to release however the bench ends.
  const dir = mkdtempSync(join(tmpdir(), 'kfkd-scale-'));
  let network: EmulatedNetwork | null = null;
  let cluster: Cluster | null = null;
  const killCluster = (): void => {
    for (const pid of cluster?.pids() ?? []) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  const cleanUp = (): void => {
    killCluster();
    network?.remove();
    // KFKD_BENCH_KEEP=1 keeps the processes' logs (and cluster runs) for a look afterwards.
    if (process.env.KFKD_BENCH_KEEP) console.error(`bench scale: logs kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', cleanUp);
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    process.on(signal, () => {
      console.error(`\n${signal}: removing the emulated cluster`);
      killCluster();
      network?.removeDetached();
      network = null;
      rmSync(dir, { recursive: true, force: true });
      process.exit(code);
    });
  }

  // One epoch must hold every timed stretch: the first step (shards shipped), then per rate warm-up + 1 + steps, and a margin.
  const stepsNeeded = 1 + options.rates.length * (options.warmup + 1 + options.steps) + 3;
  const rows = Math.ceil((stepsNeeded * BATCH) / (1 - VALID_FRACTION)) + 1;
  const data = join(dir, 'training.csv');
  execFileSync(process.execPath, [KFKD, 'synth', '--rows', String(rows), '--label-all', '1', '--out', data], { stdio: 'ignore' });

  const net2Flops = trainingFlopsPerImage(netSpec('net2'));
  printHeader(options, rows, withTopology, skipped);
  const results = new Map<string, Measurement>();
  const key = (net: string, rate: string, workers: number, topology: string): string => `${net} ${rate} ${workers} ${topology}`;
  try {
    for (const net of options.nets) {
      const msPerRow = (options.msPerRow * trainingFlopsPerImage(netSpec(net))) / net2Flops;
      for (const workers of options.workers) {
        network = new EmulatedNetwork(workers, options.delayMs);
        if (net === options.nets[0] && workers === options.workers[0]) console.log(`links: ${network.describeShaping()}\n`);
        for (const topology of topologies) {
          const clusterDir = mkdtempSync(join(dir, `${net}-${workers}-${topology}-`));
          cluster = new Cluster(network, { net, data, batch: BATCH, topology: withTopology ? topology : null, msPerRow, dir: clusterDir });
          await cluster.nextStep(); // joined, shards shipped, first step under way
          for (const rate of options.rates) {
            network.shape(rate);
            const m = await measure(cluster, options);
            results.set(key(net, rate.label, workers, topology), m);
            console.log(
              `  ${net} ${rate.label.padEnd(6)} N=${workers} ${topology}: ${m.stepMs.toFixed(0)} ms/step, coordinator ${(m.coordinatorBytesPerStep / 1e6).toFixed(0)} MB/step, ` +
                `CPU ms/step coordinator ${m.coordinatorCpuMsPerStep.toFixed(0)}, worker ${m.workerCpuMsPerStep.toFixed(0)}, cores busy ${m.coresBusy.toFixed(2)} (machine ${m.machineCoresBusy.toFixed(2)})`,
            );
          }
          await cluster.stop();
          cluster = null;
        }
        network.remove();
        network = null;
      }
    }
  } finally {
    await cluster?.stop();
    cleanUp();
  }
  printTable(options, topologies, (net, rate, workers, topology) => results.get(key(net, rate, workers, topology)), net2Flops);
}

/** Warm-up steps at the new rate, then `steps` steps timed between the first worker's task starts. */
async function measure(cluster: Cluster, options: Options): Promise<Measurement> {
  for (let i = 0; i < options.warmup; i++) await cluster.nextStep();
  const coordinatorPid = cluster.coordinator.pid as number;
  const pids = cluster.pids();
  const first = await cluster.nextStep();
  const bytesBefore = linkBytes(coordinatorPid);
  const cpuBefore = pids.map(cpuSecondsOf);
  const machineBefore = machineBusySeconds();
  const starts = [first.at];
  for (let i = 0; i < options.steps; i++) starts.push((await cluster.nextStep()).at);
  const bytesAfter = linkBytes(coordinatorPid);
  const cpu = pids.map((pid, i) => cpuSecondsOf(pid) - cpuBefore[i]);
  const machine = machineBusySeconds() - machineBefore;
  const steps = options.steps;
  const wallSeconds = (starts[steps] - starts[0]) / 1000;
  const workerCpu = cpu.slice(1);
  return {
    stepMs: median(starts.slice(1).map((at, i) => at - starts[i])),
    coordinatorBytesPerStep: (bytesAfter.rx - bytesBefore.rx + bytesAfter.tx - bytesBefore.tx) / steps,
    coordinatorCpuMsPerStep: (1000 * cpu[0]) / steps,
    workerCpuMsPerStep: (1000 * workerCpu.reduce((a, b) => a + b, 0)) / workerCpu.length / steps,
    coresBusy: cpu.reduce((a, b) => a + b, 0) / wallSeconds,
    machineCoresBusy: machine / wallSeconds,
  };
}

function printHeader(options: Options, rows: number, withTopology: boolean, skipped: string[]): void {
  const nets = options.nets.map((net) => `${net} ${paramLayout(netSpec(net)).size.toLocaleString('en')} parameters (${((paramLayout(netSpec(net)).size * 4) / 1e6).toFixed(1)} MB)`);
  console.log(`bench scale: ${nets.join(', ')}; batch ${BATCH} of \`kfkd synth\` rows (${rows} rows, all 30 keypoints labelled)`);
  console.log(
    `coordinator: \`kfkd coordinator\` over plaintext gRPC (--insecure), ${withTopology ? '--topology <name> per column group' : 'without --topology'}; workers: @kfkd/worker with a fixed compute time`,
  );
  console.log(`GPU stand-in: ${options.msPerRow} ms per training row for net2, other nets scaled by their training FLOPs (see bench/scale.ts for why)`);
  if (skipped.length > 0) console.log(`NOT RUN: ${skipped.join(', ')}: this checkout's \`kfkd coordinator\` has no --topology flag yet (branch wave5/ring); star only`);
  console.log(`${options.warmup} warm-up steps, then ${options.steps} timed steps per rate; median step time\n`);
}

type Lookup = (net: string, rate: string, workers: number, topology: string) => Measurement | undefined;

function printTable(options: Options, topologies: string[], lookup: Lookup, net2Flops: number): void {
  const groupWidth = 72;
  const head = 'net  | link  |  N | compute ms | ring bound ms';
  console.log(`\n${' '.repeat(head.length)} | ${topologies.map((t) => `${t}`.padEnd(groupWidth)).join(' | ')}`);
  const groupHead = 'step ms | step/bound | coord MB/step | CPU ms/step coord, worker | cores, machine';
  console.log(`${head} | ${topologies.map(() => groupHead.padEnd(groupWidth)).join(' | ')}`);
  for (const net of options.nets) {
    const bytes = paramLayout(netSpec(net)).size * 4;
    const msPerRow = (options.msPerRow * trainingFlopsPerImage(netSpec(net))) / net2Flops;
    for (const rate of options.rates) {
      for (const workers of options.workers) {
        const computeMs = Math.ceil(BATCH / workers) * msPerRow;
        const boundMs = rate.bitsPerSecond === null ? null : (((2 * (workers - 1)) / workers) * bytes * 8 * 1000) / rate.bitsPerSecond;
        const groups = topologies.map((topology) => {
          const m = lookup(net, rate.label, workers, topology);
          if (!m) return 'not measured'.padEnd(groupWidth);
          const ratio = boundMs ? (m.stepMs / boundMs).toFixed(2) : '-';
          const cpu = `${m.coordinatorCpuMsPerStep.toFixed(0)}, ${m.workerCpuMsPerStep.toFixed(0)}`;
          return [
            m.stepMs.toFixed(0).padStart(7),
            ratio.padStart(10),
            (m.coordinatorBytesPerStep / 1e6).toFixed(1).padStart(13),
            cpu.padStart(25),
            `${m.coresBusy.toFixed(2)}, ${m.machineCoresBusy.toFixed(2)}`.padStart(14),
          ].join(' | ');
        });
        const left = [net.padEnd(4), rate.label.padEnd(5), String(workers).padStart(2), computeMs.toFixed(1).padStart(10), (boundMs === null ? '-' : boundMs.toFixed(0)).padStart(13)].join(' | ');
        console.log(`${left} | ${groups.join(' | ')}`);
      }
    }
  }
  console.log(`
compute ms: the GPU stand-in's time for the largest worker share of the batch (ceil(${BATCH}/N) rows), what a step would take on free links.
ring bound ms: 2(N-1)/N x P x 4 bytes / link rate, the time a ring allreduce of the gradient needs on these links (none: no bound).
step/bound: measured step over the ring bound (goal of issue 15 at N = 8 on 1 Gbit/s: <= 1.3 for the ring).
coord MB/step: bytes received plus sent on the coordinator's veth per step (its eth0 counters, ethernet and IP headers included);
  the star moves N parameter vectors out and N gradients in, 2 x N x P x 4 bytes; as the gradients only come back after the
  parameters went out, its step is at least 2 x N x P x 4 / rate + compute (the link's two directions are used one after the other).
CPU ms/step: CPU time (user + system, all threads, /proc/<pid>/stat) per step of the coordinator and of a worker (mean).
cores: CPU of all the cluster's processes over the steps' wall time; machine: all of the machine's busy CPU time (/proc/stat: the
  kernel's veth and bridge forwarding, which no process is charged for, and other users of the machine included). Near 2 the
  machine's 2 cores, not the links, bound the step; the coordinator's CPU ms/step near the step time means its one event loop does.`);
}
