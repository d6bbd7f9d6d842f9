/**
 * The Grafana dashboard is importable (datasource as an input and a
 * variable) and queries only metrics the code exports: the names come from
 * the registries of the coordinator's and a worker's metrics, not a list.
 */
import { CoordinatorMetrics } from '@kfkd/coordinator';
import { metricNames } from '@kfkd/metrics';
import { WorkerMetrics } from '@kfkd/worker';
import { beforeAll, expect, it } from 'vitest';
import { readJson } from './files.ts';

interface Target {
  readonly refId: string;
  readonly expr: string;
  readonly datasource: { readonly type: string; readonly uid: string };
}
interface Panel {
  readonly title: string;
  readonly type: string;
  readonly datasource: { readonly type: string; readonly uid: string };
  readonly targets: readonly Target[];
  readonly gridPos: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
}
interface Dashboard {
  readonly __inputs: readonly { name: string; type: string; pluginId: string }[];
  readonly templating: { readonly list: readonly { name: string; type: string; query: string }[] };
  readonly panels: readonly Panel[];
  readonly uid: string;
  readonly title: string;
}

const dashboard = readJson('grafana/kfkd-dashboard.json') as Dashboard;
let exported: Set<string>;

beforeAll(async () => {
  const coordinator = await metricNames(new CoordinatorMetrics().registry);
  const worker = await metricNames(new WorkerMetrics({ id: 'w', backend: 'wasm', device: 'cpu' }).registry);
  exported = new Set([...coordinator, ...worker]);
});

/** Metric names in a PromQL expression: identifiers of our prefixes (label names and functions have none of them). */
function queriedMetrics(expr: string): string[] {
  return [...expr.matchAll(/\b(?:kfkd|process|nodejs)_[a-z0-9_]+\b/g)].map((m) => m[0]);
}

it('takes its Prometheus datasource as an import input and a dashboard variable', () => {
  expect(dashboard.__inputs).toContainEqual(expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' }));
  expect(dashboard.templating.list).toContainEqual(expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }));
  expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
  for (const panel of dashboard.panels) {
    expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
    for (const target of panel.targets) expect(target.datasource.uid, panel.title).toBe('${datasource}');
    expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
  }
});

it('has the panels ops need: throughput, step-time percentiles, losses, workers alive, bytes, memory and CPU per worker', () => {
  const exprsOf = (title: RegExp): string => dashboard.panels.filter((p) => title.test(p.title)).flatMap((p) => p.targets.map((t) => t.expr)).join('\n');
  expect(exprsOf(/throughput/i)).toMatch(/rate\(kfkd_samples_processed_total/);
  expect(exprsOf(/step time/i)).toMatch(/histogram_quantile\(0\.9, .*kfkd_step_duration_seconds_bucket/);
  expect(exprsOf(/losses/i)).toMatch(/kfkd_train_loss[\s\S]*kfkd_valid_loss/);
  expect(exprsOf(/workers alive/i)).toMatch(/kfkd_workers\b/);
  expect(exprsOf(/bytes/i)).toMatch(/kfkd_gradient_bytes_received_total/);
  expect(exprsOf(/memory/i)).toMatch(/process_resident_memory_bytes .*kfkd_worker_info/);
  expect(exprsOf(/cpu/i)).toMatch(/process_cpu_seconds_total.*kfkd_worker_info/);
});

it('queries only metrics the coordinator or the workers export', () => {
  const queried = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((t) => queriedMetrics(t.expr))));
  expect(queried.size).toBeGreaterThan(20);
  const missing = [...queried].filter((name) => !exported.has(name));
  expect(missing).toEqual([]);
});

it('would catch a query of a metric nobody exports', () => {
  const names = queriedMetrics('histogram_quantile(0.9, sum by (le) (rate(kfkd_step_seconds_bucket[5m]))) / on (instance) kfkd_worker_info{part="x"}');
  expect(names).toEqual(['kfkd_step_seconds_bucket', 'kfkd_worker_info']);
  expect(names.filter((n) => !exported.has(n))).toEqual(['kfkd_step_seconds_bucket']);
});
