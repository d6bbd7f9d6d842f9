import { afterEach, expect, it } from 'vitest';
import { Counter } from 'prom-client';
import { type MetricsServer, MetricsListenError, createRegistry, metricNames, parseListen, startMetricsServer } from './index.ts';

let server: MetricsServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

it('serves the registry on /metrics of a free port, with the default process metrics', async () => {
  const registry = createRegistry();
  new Counter({ name: 'kfkd_test_things_total', help: 'things', registers: [registry] }).inc(3);
  server = await startMetricsServer({ listen: '127.0.0.1:0', registry });
  expect(server.port).toBeGreaterThan(0);
  const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  expect(text).toMatch(/^kfkd_test_things_total 3$/m);
  expect(text).toMatch(/^process_cpu_seconds_total /m);
  expect(text).toMatch(/^process_resident_memory_bytes /m);
});

it('answers /readyz and /healthz from the ready callback, /livez always, and 404 elsewhere', async () => {
  let ready = false;
  server = await startMetricsServer({ listen: '127.0.0.1:0', registry: createRegistry(), ready: () => ready });
  const base = `http://127.0.0.1:${server.port}`;
  expect((await fetch(`${base}/readyz`)).status).toBe(503);
  expect((await fetch(`${base}/healthz`)).status).toBe(503);
  expect((await fetch(`${base}/livez`)).status).toBe(200);
  ready = true;
  expect((await fetch(`${base}/readyz`)).status).toBe(200);
  expect((await fetch(`${base}/healthz`)).status).toBe(200);
  expect((await fetch(`${base}/`)).status).toBe(404);
  expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
});

it('rejects a malformed or taken address with the address in the message', async () => {
  expect(() => parseListen('9400')).toThrow(MetricsListenError);
  expect(parseListen('[::1]:9400')).toEqual({ host: '::1', port: 9400 });
  server = await startMetricsServer({ listen: '127.0.0.1:0', registry: createRegistry() });
  await expect(startMetricsServer({ listen: `127.0.0.1:${server.port}`, registry: createRegistry() })).rejects.toThrow(/127\.0\.0\.1:\d+.*EADDRINUSE/);
});

it('lists histogram series names', async () => {
  const registry = createRegistry();
  const { Histogram } = await import('prom-client');
  new Histogram({ name: 'kfkd_test_seconds', help: 'h', registers: [registry] });
  const names = await metricNames(registry);
  expect(names).toContain('kfkd_test_seconds_bucket');
  expect(names).toContain('nodejs_heap_size_used_bytes');
});
