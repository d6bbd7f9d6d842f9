/** Test helpers of the coordinator (not exported from the package). */
import { type TaskResult__Output, type TensorChunk, tensorChunks } from '@kfkd/proto';
import type { ReportOutcome, WorkerPool } from './pool.ts';

/**
 * What a Report stream does to the pool: the result's header, then its
 * gradient's chunks in the order given (`tensorChunks(gradient)` for an
 * honest worker), then the end, over the connection `peer` (unchecked when
 * not given). The first refusal ends it.
 */
export function deliverReport(pool: WorkerPool, header: TaskResult__Output, chunks: readonly TensorChunk[], peer?: string): ReportOutcome {
  const opened = pool.openReport(header, peer);
  if (!opened.ok) return opened;
  for (const chunk of chunks) {
    const refusal = opened.receiver.chunk(chunk.offset, chunk.values);
    if (refusal) return refusal;
  }
  return opened.receiver.finish();
}

/** An honest worker's chunks of `gradient` (none for a validation result). */
export const chunksOf = (gradient: Float32Array | null): TensorChunk[] => (gradient ? tensorChunks(gradient) : []);
