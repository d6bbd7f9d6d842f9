/**
 * The Prometheus registry of one kfkd process: prom-client's default process
 * and Node.js metrics plus whatever the app registers, and the histogram
 * buckets every kfkd duration uses.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Seconds: a net1 step on a GPU takes ~10 ms, a net2 step on a CPU worker
 * minutes; roughly 2.5x apart so percentiles stay meaningful across the range.
 */
export const DURATION_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 60, 120, 300, 600];

/** A fresh registry with the default metrics (process_cpu_seconds_total, process_resident_memory_bytes, nodejs_*). */
export function createRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** The metric names a registry exports, for tests and for checking dashboards against the code. */
export async function metricNames(registry: Registry): Promise<Set<string>> {
  const names = new Set<string>();
  for (const metric of await registry.getMetricsAsJSON()) {
    names.add(metric.name);
    // Histograms and summaries are queried by their series names.
    if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(metric.name + suffix);
    if (String(metric.type) === 'summary') for (const suffix of ['_sum', '_count']) names.add(metric.name + suffix);
  }
  return names;
}

/** The current value of a series, or undefined; for tests. */
export async function metricValue(registry: Registry, name: string, labels: Readonly<Record<string, string>> = {}): Promise<number | undefined> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return undefined;
  const { values } = await metric.get();
  const match = values.find((v) => Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want));
  return match?.value;
}
