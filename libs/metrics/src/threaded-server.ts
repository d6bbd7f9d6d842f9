/**
 * The metrics and probe endpoint of a process whose main thread blocks for
 * seconds at a time (a worker's tfjs compute): the HTTP listener lives in a
 * worker thread, so a probe is answered while the main thread computes.
 *
 * - /livez is answered by the thread alone, from the time the main thread
 *   last checked in (a SharedArrayBuffer the main thread writes: every
 *   second when its event loop is free, and at each step). It fails (503)
 *   only when that is older than the liveness timeout: a main thread stuck
 *   for good, not one busy with a long step.
 * - /readyz and /healthz are answered by the thread too, from the readiness
 *   the main thread published at its last check-in. Readiness only changes
 *   when main-thread code runs, so that value is current whenever the main
 *   thread could have changed it; asking the main thread instead would make
 *   readiness fail whenever a step outlasts the probe's timeout.
 * - /metrics is forwarded to the main thread (the registry lives there) and
 *   may wait for a step to finish; after `metricsTimeoutMs` it answers 503.
 */
import type { Worker } from 'node:worker_threads';
import type { Registry } from 'prom-client';
import { type MetricsServer, MetricsListenError, NOT_FOUND, parseListen } from './http-server.ts';

export interface ThreadedMetricsServerOptions {
  /** HOST:PORT; port 0 picks a free one. */
  readonly listen: string;
  readonly registry: Registry;
  /** /readyz (and /healthz) answer 200 while this returned true at the last check-in (default: always). */
  readonly ready?: () => boolean;
  /** /livez answers 503 once the main thread has not checked in for this many seconds. */
  readonly livenessTimeoutS: number;
  /** How often the main thread checks in by itself while its event loop is free (ms; default 1000). */
  readonly checkInIntervalMs?: number;
  /** How long /metrics waits for a busy main thread before answering 503 (ms; default 30 000). */
  readonly metricsTimeoutMs?: number;
  /** Called if the listener's thread fails after it started (default: ignored; /livez then stops answering). */
  readonly onThreadError?: (error: Error) => void;
}

export interface ThreadedMetricsServer extends MetricsServer {
  /** Records that the main thread is making progress and publishes its readiness now; call at each step. */
  checkIn(): void;
}

/** Messages between the main thread and the listener's thread. */
type FromThread =
  | { readonly kind: 'listening'; readonly port: number }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'metrics'; readonly id: number }
  | { readonly kind: 'closed' };
type ToThread = { readonly kind: 'metrics'; readonly id: number; readonly status: number; readonly contentType: string; readonly body: string } | { readonly kind: 'close' };

/** Shared state, as BigInt64 slots: the last check-in (process.hrtime.bigint(), monotonic and shared by all threads) and readiness (1 or 0). */
const LAST_CHECK_IN = 0;
const READY = 1;

/**
 * The thread's source: plain JavaScript, evaluated as CommonJS, because it
 * runs outside the TypeScript loader (the way wasm-training/simd/helpers.ts
 * starts its threads).
 */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createServer } = require('node:http');
const { host, port, state, livenessTimeoutNs, metricsTimeoutMs, notFound } = workerData;
const shared = new BigInt64Array(state);
const text = { 'content-type': 'text/plain' };
const pending = new Map();
let nextId = 1;
const server = createServer((request, response) => {
  const path = (request.url || '/').split('?')[0];
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  if (path === '/livez') {
    const ageNs = process.hrtime.bigint() - Atomics.load(shared, ${LAST_CHECK_IN});
    if (ageNs <= livenessTimeoutNs) response.writeHead(200, text).end('ok\\n');
    else response.writeHead(503, text).end('the main thread has not checked in for ' + (Number(ageNs / 1000000n) / 1000).toFixed(1) + ' s\\n');
    return;
  }
  if (path === '/readyz' || path === '/healthz') {
    const ok = Atomics.load(shared, ${READY}) === 1n;
    response.writeHead(ok ? 200 : 503, text).end(ok ? 'ok\\n' : 'not ready\\n');
    return;
  }
  if (path === '/metrics') {
    const id = nextId++;
    const timer = setTimeout(() => {
      pending.delete(id);
      response.writeHead(503, text).end('the main thread did not answer within ' + metricsTimeoutMs + ' ms (busy computing)\\n');
    }, metricsTimeoutMs);
    pending.set(id, { response, timer });
    // A scraper that gave up frees its slot.
    response.on('close', () => {
      if (pending.delete(id)) clearTimeout(timer);
    });
    parentPort.postMessage({ kind: 'metrics', id });
    return;
  }
  response.writeHead(404, text).end(notFound);
});
parentPort.on('message', (message) => {
  if (message.kind === 'metrics') {
    const waiting = pending.get(message.id);
    if (!waiting) return;
    pending.delete(message.id);
    clearTimeout(waiting.timer);
    waiting.response.writeHead(message.status, { 'content-type': message.contentType }).end(message.body);
  } else if (message.kind === 'close') {
    server.closeAllConnections();
    server.close(() => parentPort.postMessage({ kind: 'closed' }));
  }
});
server.once('error', (error) => parentPort.postMessage({ kind: 'error', message: error.message }));
server.listen(port, host, () => parentPort.postMessage({ kind: 'listening', port: server.address().port }));
`;

/** Starts the listener's thread; resolves once it is bound. @throws MetricsListenError */
export async function startThreadedMetricsServer(options: ThreadedMetricsServerOptions): Promise<ThreadedMetricsServer> {
  const { host, port } = parseListen(options.listen);
  const { registry } = options;
  const { Worker } = await import('node:worker_threads');
  const state = new SharedArrayBuffer(2 * BigInt64Array.BYTES_PER_ELEMENT);
  const shared = new BigInt64Array(state);
  const checkIn = (): void => {
    Atomics.store(shared, LAST_CHECK_IN, process.hrtime.bigint());
    Atomics.store(shared, READY, (options.ready?.() ?? true) ? 1n : 0n);
  };
  checkIn();
  const thread: Worker = new Worker(THREAD_SOURCE, {
    eval: true,
    workerData: {
      host,
      port,
      state,
      livenessTimeoutNs: BigInt(Math.round(options.livenessTimeoutS * 1e9)),
      metricsTimeoutMs: options.metricsTimeoutMs ?? 30_000,
      notFound: NOT_FOUND,
    },
  });
  const send = (message: ToThread): void => thread.postMessage(message);
  let closed: (() => void) | null = null;
  const bound = new Promise<number>((resolve, reject) => {
    thread.on('message', (message: FromThread) => {
      switch (message.kind) {
        case 'listening':
          return resolve(message.port);
        case 'error':
          return reject(new MetricsListenError(options.listen, message.message));
        case 'metrics':
          registry.metrics().then(
            (body) => send({ kind: 'metrics', id: message.id, status: 200, contentType: registry.contentType, body }),
            (error: unknown) => send({ kind: 'metrics', id: message.id, status: 500, contentType: 'text/plain', body: error instanceof Error ? error.message : String(error) }),
          );
          return;
        case 'closed':
          closed?.();
          return;
      }
    });
    thread.on('error', (error) => {
      reject(new MetricsListenError(options.listen, error.message));
      options.onThreadError?.(error);
    });
    thread.once('exit', (code) => reject(new MetricsListenError(options.listen, `the listener's thread exited (${code})`)));
  });
  let boundPort: number;
  try {
    boundPort = await bound;
  } catch (error) {
    await thread.terminate();
    throw error;
  }
  const tick = setInterval(checkIn, options.checkInIntervalMs ?? 1000);
  // Neither the tick nor the thread may keep the process alive after its work is done.
  tick.unref();
  thread.unref();
  return {
    port: boundPort,
    host,
    checkIn,
    close: async () => {
      clearInterval(tick);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        closed = () => {
          clearTimeout(timer);
          resolve();
        };
        send({ kind: 'close' });
      });
      await thread.terminate();
    },
  };
}
