/**
 * Garbage collection for the processes that move tensors over gRPC (the
 * coordinator and the workers).
 *
 * grpc-js and Node's http2 allocate a fresh buffer for every message they
 * frame or reassemble and for every socket read: for net2, about 100 MB of
 * short-lived buffers per worker and step on each side. With V8's default
 * incremental marking, that churn keeps starting marking cycles whose write
 * barriers and finalisation cost more than the transfer itself. Measured on
 * a 2-core VM with 1 MiB messages (32 MB each way per step, grpc-js 1.14,
 * Node 20, bench/sync.ts and a grpc-js echo with no serialisation at all):
 * with incremental marking off, the echo took 80-87 instead of 158-177 ms per
 * step and its server 60-66 instead of 140-160 ms of CPU.
 *
 * Without incremental marking, a full collection runs in one pause (about
 * 25 ms for the coordinator's 35 MB heap), which a training step does not
 * notice. Processes that serve people (the dashboard) keep the default.
 */
import { setFlagsFromString } from 'node:v8';

/** The V8 flag this process runs with (see the module comment). */
export const THROUGHPUT_GC_FLAG = '--no-incremental-marking';

/** Switches this process's V8 to whole (non-incremental) marking; call it once, early. */
export function preferThroughputGc(): void {
  setFlagsFromString(THROUGHPUT_GC_FLAG);
}
