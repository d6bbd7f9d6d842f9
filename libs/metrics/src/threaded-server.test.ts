/**
 * The threaded endpoint while the main thread is blocked: requests come from
 * another thread (this one cannot send any while it is blocked), which notes
 * when each answer arrived on the monotonic clock all threads share.
 */
import { Worker } from 'node:worker_threads';
import { afterEach, expect, it } from 'vitest';
import { Counter } from 'prom-client';
import { type ThreadedMetricsServer, createRegistry, startThreadedMetricsServer } from './index.ts';

let server: ThreadedMetricsServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

interface Answer {
  readonly path: string;
  readonly status: number;
  readonly body: string;
  /** process.hrtime.bigint() in ms when the request was sent and when its answer was complete. */
  readonly sentMs: number;
  readonly answeredMs: number;
}

/**
 * Sends GET `path` to `port` after each delay (ms from the start of the client
 * thread), from a thread of its own; resolves with the answers once all are in.
 * `started` resolves when the client thread runs (before any delay counts).
 */
function requestsFromAnotherThread(port: number, requests: readonly { path: string; afterMs: number }[]): { started: Promise<void>; answers: Promise<Answer[]> } {
  const client = new Worker(
    `
    const { parentPort, workerData } = require('node:worker_threads');
    const http = require('node:http');
    const nowMs = () => Number(process.hrtime.bigint() / 1000n) / 1000;
    parentPort.postMessage({ started: true });
    const answers = [];
    for (const { path, afterMs } of workerData.requests) {
      setTimeout(() => {
        const sentMs = nowMs();
        http.get({ host: '127.0.0.1', port: workerData.port, path }, (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk) => (body += chunk));
          response.on('end', () => {
            answers.push({ path, status: response.statusCode, body, sentMs, answeredMs: nowMs() });
            if (answers.length === workerData.requests.length) parentPort.postMessage({ answers });
          });
        });
      }, afterMs);
    }
    `,
    { eval: true, workerData: { port, requests } },
  );
  let onStarted!: () => void;
  const started = new Promise<void>((resolve) => (onStarted = resolve));
  const answers = new Promise<Answer[]>((resolve, reject) => {
    client.on('message', (message: { started?: true; answers?: Answer[] }) => {
      if (message.started) onStarted();
      if (message.answers) {
        resolve(message.answers);
        void client.terminate();
      }
    });
    client.on('error', reject);
  });
  return { started, answers };
}

const nowMs = (): number => Number(process.hrtime.bigint() / 1000n) / 1000;

/** Blocks this thread (no event loop, no timers) for `ms`, like a long tfjs step. */
function blockMainThread(ms: number): { startMs: number; endMs: number } {
  const startMs = nowMs();
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  return { startMs, endMs: nowMs() };
}

it('answers /livez and /readyz within 200 ms while the main thread is blocked for 3 s; /metrics once it is free', async () => {
  const registry = createRegistry();
  new Counter({ name: 'kfkd_test_steps_total', help: 'steps', registers: [registry] }).inc(7);
  server = await startThreadedMetricsServer({ listen: '127.0.0.1:0', registry, livenessTimeoutS: 600, ready: () => true });
  const { started, answers } = requestsFromAnotherThread(server.port, [
    { path: '/livez', afterMs: 1000 },
    { path: '/readyz', afterMs: 1100 },
    { path: '/metrics', afterMs: 1200 },
  ]);
  await started;
  const blocked = blockMainThread(3000);
  const byPath = new Map((await answers).map((a) => [a.path, a]));
  for (const path of ['/livez', '/readyz']) {
    const answer = byPath.get(path)!;
    expect(answer.status, path).toBe(200);
    expect(answer.answeredMs - answer.sentMs, path).toBeLessThan(200);
    // Sent and answered while this thread was still blocked.
    expect(answer.sentMs, path).toBeGreaterThan(blocked.startMs);
    expect(answer.answeredMs, path).toBeLessThan(blocked.endMs);
  }
  const metrics = byPath.get('/metrics')!;
  expect(metrics.sentMs).toBeLessThan(blocked.endMs);
  expect(metrics.answeredMs).toBeGreaterThanOrEqual(blocked.endMs);
  expect(metrics.status).toBe(200);
  expect(metrics.body).toMatch(/^kfkd_test_steps_total 7$/m);
});

it('/livez fails once the main thread has not checked in for the liveness timeout, and recovers at the next check-in', async () => {
  server = await startThreadedMetricsServer({ listen: '127.0.0.1:0', registry: createRegistry(), livenessTimeoutS: 0.5 });
  const base = `http://127.0.0.1:${server.port}`;
  expect((await fetch(`${base}/livez`)).status).toBe(200);
  const { started, answers } = requestsFromAnotherThread(server.port, [
    { path: '/livez', afterMs: 50 },
    { path: '/livez', afterMs: 1100 },
  ]);
  await started;
  server.checkIn();
  blockMainThread(1500);
  const [early, late] = (await answers).sort((a, b) => a.sentMs - b.sentMs);
  expect(early.status).toBe(200);
  expect(late.status).toBe(503);
  expect(late.body).toMatch(/^the main thread has not checked in for \d+\.\d s$/m);
  server.checkIn();
  expect((await fetch(`${base}/livez`)).status).toBe(200);
});

it('/readyz and /healthz follow the readiness published at each check-in; other paths 404, other methods 405', async () => {
  let ready = false;
  server = await startThreadedMetricsServer({ listen: '127.0.0.1:0', registry: createRegistry(), livenessTimeoutS: 600, ready: () => ready, checkInIntervalMs: 60_000 });
  const base = `http://127.0.0.1:${server.port}`;
  expect((await fetch(`${base}/readyz`)).status).toBe(503);
  expect((await fetch(`${base}/healthz`)).status).toBe(503);
  ready = true;
  expect((await fetch(`${base}/readyz`)).status).toBe(503); // not published yet
  server.checkIn();
  expect((await fetch(`${base}/readyz`)).status).toBe(200);
  expect((await fetch(`${base}/healthz`)).status).toBe(200);
  expect((await fetch(`${base}/`)).status).toBe(404);
  expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
});

it('rejects a taken port with the address in the message, and frees its port on close', async () => {
  server = await startThreadedMetricsServer({ listen: '127.0.0.1:0', registry: createRegistry(), livenessTimeoutS: 600 });
  const { port } = server;
  await expect(startThreadedMetricsServer({ listen: `127.0.0.1:${port}`, registry: createRegistry(), livenessTimeoutS: 600 })).rejects.toThrow(/127\.0\.0\.1:\d+.*EADDRINUSE/);
  await server.close();
  server = await startThreadedMetricsServer({ listen: `127.0.0.1:${port}`, registry: createRegistry(), livenessTimeoutS: 600 });
  expect(server.port).toBe(port);
});
