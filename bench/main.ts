/**
 * Benchmarks (they print; they are not tests). `npm run bench -- <name> [options]`.
 *   compute   images/s of a training step on stock cpu, stock wasm and the fast wasm path
 *   sync      communication cost of a distributed step for net2 (gRPC vs raw TCP), no-op compute
 *   pipeline  `kfkd pipeline` end to end, 1 vs 2 workers: wall time, phases, merged vs general RMSE
 *   scale     the real coordinator and N workers on an emulated cluster (network namespaces, tc-shaped links): step time vs the ring bound, coordinator bytes per step
 */
import { compute, computeOne } from './compute.ts';
import { pipeline } from './pipeline.ts';
import { scale } from './scale.ts';
import { sync } from './sync.ts';

const BENCHMARKS: Record<string, (args: string[]) => Promise<void>> = { compute, 'compute-one': computeOne, sync, pipeline, scale };

const [name, ...args] = process.argv.slice(2);
const run = name ? BENCHMARKS[name] : undefined;
if (!run) {
  console.error(`usage: npm run bench -- <${Object.keys(BENCHMARKS).join('|')}> [options]`);
  process.exit(2);
}
await run(args);
// The multi-threaded wasm backend's worker threads would keep the process alive.
process.exit(0);
