/**
 * The tfjs backend of a coordinating process (`kfkd coordinator`,
 * `kfkd pipeline`). The coordinator trains nothing, but it makes one kind of
 * forward pass itself: the dashboard's sample faces (validation-faces.ts),
 * on the event loop every job and worker shares. 16 faces of net2 take about
 * 2.6 s on the pure-JS cpu backend and 70 ms on wasm (one thread, measured
 * on this 2-core machine), so wasm it is, on one thread: the other cores are
 * the workers'. The cpu backend stays the fallback, said in a warning.
 */
import { type BackendInfo, selectBackend } from '@kfkd/model';
import type { Logger } from '@kfkd/runtime';

export async function selectCoordinatorBackend(log: Logger): Promise<BackendInfo> {
  try {
    return await selectBackend('wasm', { wasmThreads: 1 });
  } catch (error) {
    log.warn('the wasm backend did not start: the sample faces for the dashboard are computed on the pure-JS cpu backend (tens of times slower)', {
      reason: error instanceof Error ? error.message : String(error),
    });
    return selectBackend('cpu');
  }
}
