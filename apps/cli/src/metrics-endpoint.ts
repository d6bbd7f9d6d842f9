/**
 * `--metrics-listen`: where a coordinator or worker serves Prometheus
 * metrics and its probes (/livez, /readyz, /healthz), or `off`. Port 0 picks
 * a free port, which is logged: "serving metrics on http://HOST:PORT/metrics".
 */
import { InvalidArgumentError, type Option } from 'commander';
import { type MetricsServer, type Registry, type ThreadedMetricsServer, parseListen, startMetricsServer, startThreadedMetricsServer } from '@kfkd/metrics';
import { stringOption } from './options.ts';

/** The coordinator's default; a Prometheus scrape config assumes it (deploy/prometheus). */
export const COORDINATOR_METRICS_LISTEN = '0.0.0.0:9400';
/** A worker's default; a second worker on the same node needs its own (e.g. 0.0.0.0:9402). */
export const WORKER_METRICS_LISTEN = '0.0.0.0:9401';

export function metricsListenOption(defaultValue: string): Option {
  return stringOption('--metrics-listen <host:port|off>', 'serve Prometheus /metrics and the /livez, /readyz (and /healthz) probes here (port 0: any free port, logged; off: none)', defaultValue).argParser(
    (raw: string) => {
      if (raw === 'off') return raw;
      try {
        parseListen(raw);
      } catch (error) {
        throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
      }
      return raw;
    },
  );
}

/**
 * Addresses for `kfkd local`'s workers: off stays off; port 0 stays 0 (each
 * picks its own); port P gives the coordinator P and worker i P + i.
 */
export function localWorkerMetricsListen(coordinatorListen: string, worker: number): string {
  if (coordinatorListen === 'off') return 'off';
  const { port } = parseListen(coordinatorListen);
  const host = coordinatorListen.slice(0, coordinatorListen.lastIndexOf(':'));
  return `${host}:${port === 0 ? 0 : port + worker}`;
}

function logServing(server: MetricsServer, log: { info(message: string): void }): void {
  log.info(`serving metrics on http://${server.host.includes(':') ? `[${server.host}]` : server.host}:${server.port}/metrics`);
}

/** Serves `registry` unless `listen` is off; logs the bound address. */
export async function serveMetrics(
  listen: string,
  registry: Registry,
  log: { info(message: string): void },
  ready?: () => boolean,
): Promise<MetricsServer | null> {
  if (listen === 'off') return null;
  const server = await startMetricsServer({ listen, registry, ready });
  logServing(server, log);
  return server;
}

/**
 * A worker's endpoint: served from a thread of its own, so /livez and /readyz
 * answer while a step blocks the main thread (which calls `checkIn()` at each
 * step); unless `listen` is off. Logs the bound address.
 */
export async function serveWorkerMetrics(
  listen: string,
  registry: Registry,
  log: { info(message: string): void; warn(message: string, fields?: Record<string, unknown>): void },
  probes: { ready: () => boolean; livenessTimeoutS: number },
): Promise<ThreadedMetricsServer | null> {
  if (listen === 'off') return null;
  const server = await startThreadedMetricsServer({
    listen,
    registry,
    ...probes,
    onThreadError: (error) => log.warn('the metrics listener failed; /metrics and the probes no longer answer', { error: error.message }),
  });
  logServing(server, log);
  return server;
}
