/**
 * The Grafana dashboard is importable (datasource as an input and a
 * variable) and queries only metrics the code exports: the names come from
 * the registries of the coordinator's and a worker's metrics, not a list.
 * Its `namespace` and `run` variables filter every query, so two runs in one
 * Prometheus never add up; promtool parses every query with the variables
 * set and evaluates some on two runs' series. (apps/cli's prometheus.test.ts
 * runs every query on a real Prometheus scraping a real run.)
 */
import { CoordinatorMetrics } from '@kfkd/coordinator';
import { metricNames } from '@kfkd/metrics';
import { WorkerMetrics } from '@kfkd/worker';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { readJson } from './files.ts';
import { PROMTOOL_SUITE, hasPromtool } from './promtool.ts';

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
  readonly templating: {
    readonly list: readonly { name: string; type: string; query: string; includeAll?: boolean; allValue?: string; multi?: boolean; datasource?: { uid: string } }[];
  };
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
  expect(exprsOf(/memory/i)).toMatch(/process_resident_memory_bytes\b.*kfkd_worker_info/);
  expect(exprsOf(/cpu/i)).toMatch(/process_cpu_seconds_total.*kfkd_worker_info/);
  expect(exprsOf(/ring links/i)).toMatch(/rate\(kfkd_ring_hop_bytes_total.*\/ sum by \(from, to\) \(rate\(kfkd_ring_hop_seconds_total/);
  expect(exprsOf(/ring rounds/i)).toMatch(/kfkd_ring_rounds_total/);
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

/** Every selector of a metric in `expr`: the name and its matchers (empty when it has none). */
function selectors(expr: string): { name: string; matchers: string }[] {
  return [...expr.matchAll(/\b((?:kfkd|process|nodejs)_[a-z0-9_]+)\b(?:\{([^}]*)\})?/g)].map((m) => ({ name: m[1], matchers: m[2] ?? '' }));
}

/** The query as Grafana sends it, with the variables set: namespace All (its allValue), one run. */
function substituted(expr: string, run = 'net1'): string {
  return expr.replaceAll('$__rate_interval', '1m').replaceAll('$namespace', '.*').replaceAll('$run', run);
}

const exprs = (): string[] => dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));

describe('two runs in one Prometheus', () => {
  const variable = (name: string) => dashboard.templating.list.find((v) => v.name === name);

  it('has query variables namespace (All matches series without one) and run (one at a time), from label_values', () => {
    expect(variable('namespace')).toMatchObject({ type: 'query', query: 'label_values(kfkd_epochs_max, namespace)', includeAll: true, allValue: '.*' });
    expect(variable('run')).toMatchObject({ type: 'query', query: 'label_values(kfkd_epochs_max{namespace=~"$namespace"}, run)', multi: false, includeAll: false });
    for (const name of ['namespace', 'run']) expect(variable(name)?.datasource?.uid).toBe('${datasource}');
  });

  it('filters every metric of every query by both variables', () => {
    const unfiltered = exprs()
      .flatMap(selectors)
      .filter((s) => !s.matchers.includes('namespace=~"$namespace"') || !s.matchers.includes('run=~"$run"'))
      .map((s) => s.name);
    expect(exprs().flatMap(selectors).length).toBeGreaterThan(30);
    expect(unfiltered).toEqual([]);
  });

  it('would catch a query that forgets the filter', () => {
    const s = selectors('sum(kfkd_workers{namespace=~"$namespace", run=~"$run"}) / sum(kfkd_steps_total{state="x"})');
    expect(s.map((x) => x.matchers.includes('run=~"$run"'))).toEqual([true, false]);
  });
});

describe.skipIf(!hasPromtool)(PROMTOOL_SUITE, () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kfkd-grafana-'));
    return () => rmSync(dir, { recursive: true, force: true });
  });
  const promtool = (...args: string[]) => spawnSync('promtool', args, { encoding: 'utf8' });

  it('parses every query with the variables set', () => {
    const rules = { groups: [{ name: 'dashboard', rules: exprs().map((expr, i) => ({ record: `kfkd:dashboard_query_${i}`, expr: substituted(expr) })) }] };
    writeFileSync(join(dir, 'queries.yml'), stringify(rules));
    const result = promtool('check', 'rules', join(dir, 'queries.yml'));
    expect(result.stdout + result.stderr).toMatch(new RegExp(`SUCCESS: ${exprs().length} rules found`));
  });

  it('shows one run only: workers active and per-worker throughput of run net1 while net2 runs in the same namespace', () => {
    const expr = (title: RegExp, ref = 0): string => substituted(dashboard.panels.find((p) => title.test(p.title))!.targets[ref].expr);
    const series = (run: string, host: string) => [
      { series: `kfkd_workers{namespace="kfkd", run="${run}", instance="${host}:9400", state="active"}`, values: run === 'net1' ? '3x10' : '5x10' },
      { series: `kfkd_worker_samples_processed_total{namespace="kfkd", run="${run}", instance="${host}:9401", part="train"}`, values: run === 'net1' ? '0+60x10' : '0+600x10' },
      { series: `kfkd_worker_info{namespace="kfkd", run="${run}", instance="${host}:9401", worker="${run}-w0", backend="tensorflow", device="gpu"}`, values: '1x10' },
    ];
    const tests = {
      rule_files: [],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [...series('net1', '10.0.0.1'), ...series('net2', '10.0.1.1')],
          promql_expr_test: [
            { expr: expr(/^workers active$/i), eval_time: '5m', exp_samples: [{ labels: '{}', value: 3 }] },
            { expr: expr(/^throughput/i, 1), eval_time: '5m', exp_samples: [{ labels: '{instance="10.0.0.1:9401", worker="net1-w0"}', value: 1 }] },
          ],
        },
      ],
    };
    writeFileSync(join(dir, 'two-runs.test.yml'), stringify(tests));
    const result = promtool('test', 'rules', join(dir, 'two-runs.test.yml'));
    expect(result.stdout + result.stderr).toMatch(/SUCCESS/);
  });
});
