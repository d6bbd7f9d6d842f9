/**
 * The HTTP endpoint Prometheus and Kubernetes probe, served on this thread:
 * GET /metrics (text exposition format), /livez (200: this event loop
 * answers, so the process is alive), /readyz (200 once the process is ready,
 * else 503) and /healthz (the same as /readyz, for older manifests). Nothing
 * else is served. A process whose main thread blocks for long (a worker
 * computing) serves them from a thread of their own: threaded-server.ts.
 */
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface MetricsServer {
  /** The bound port (the chosen one when asked for port 0). */
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

export interface MetricsServerOptions {
  /** HOST:PORT; port 0 picks a free one. */
  readonly listen: string;
  readonly registry: Registry;
  /** /readyz (and /healthz) answer 200 while this returns true (default: always). */
  readonly ready?: () => boolean;
}

/** Thrown when --metrics-listen is not HOST:PORT or cannot be bound. */
export class MetricsListenError extends Error {
  constructor(
    readonly address: string,
    reason: string,
  ) {
    super(`cannot serve metrics on ${address} (--metrics-listen): ${reason}`);
    this.name = 'MetricsListenError';
  }
}

/** The paths served, for 404 answers. */
export const NOT_FOUND = 'not found: try /metrics, /livez, /readyz\n';

export function parseListen(address: string): { host: string; port: number } {
  const m = /^(.+):(\d+)$/.exec(address);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new MetricsListenError(address, 'expected HOST:PORT (port 0 picks a free one)');
  // [::1]:9400 names an IPv6 host; listen() wants it without brackets.
  return { host: m[1].replace(/^\[(.*)\]$/, '$1'), port };
}

export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { host, port } = parseListen(options.listen);
  const { registry } = options;
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(error instanceof Error ? error.message : String(error)),
      );
      return;
    }
    if (path === '/livez') {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (path === '/readyz' || path === '/healthz') {
      const ok = options.ready?.() ?? true;
      response.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : 'not ready\n');
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' }).end(NOT_FOUND);
  });
  // A scrape must never keep the process alive after its work is done.
  server.unref();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new MetricsListenError(options.listen, error.message)));
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    host,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
