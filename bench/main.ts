/**
 * Benchmarks (they print; they are not tests). `npm run bench -- <name> [options]`.
 *   compute   images/s of a training step on stock cpu, stock wasm and the fast wasm path
 */
import { compute, computeOne } from './compute.ts';

const BENCHMARKS: Record<string, (args: string[]) => Promise<void>> = { compute, 'compute-one': computeOne };

const [name, ...args] = process.argv.slice(2);
const run = name ? BENCHMARKS[name] : undefined;
if (!run) {
  console.error(`usage: npm run bench -- <${Object.keys(BENCHMARKS).join('|')}> [options]`);
  process.exit(2);
}
await run(args);
// The multi-threaded wasm backend's worker threads would keep the process alive.
process.exit(0);
