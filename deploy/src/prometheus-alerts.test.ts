/**
 * The alert rules (deploy/prometheus/kfkd-alerts.yml): promtool accepts them,
 * and its unit tests (kfkd-alerts.test.yml) make every alert fire for a run
 * in trouble and stay silent for a healthy one. They alert only on metrics
 * the code exports, both scrape configs load them, and the Operator's
 * PrometheusRule carries the same rules.
 */
import { CoordinatorMetrics } from '@kfkd/coordinator';
import { metricNames } from '@kfkd/metrics';
import { WorkerMetrics } from '@kfkd/worker';
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { type K8sObject, deployPath, yamlDocuments } from './files.ts';
import { PROMTOOL_SUITE, hasPromtool } from './promtool.ts';

interface Rule {
  readonly alert?: string;
  readonly record?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}
interface RuleFile {
  readonly groups: readonly { readonly name: string; readonly rules: readonly Rule[] }[];
}
interface RuleTests {
  readonly rule_files: readonly string[];
  readonly tests: readonly { readonly name: string; readonly alert_rule_test?: readonly { alertname: string; eval_time: string; exp_alerts?: unknown[] }[] }[];
}

const RULES = 'prometheus/kfkd-alerts.yml';
const RULE_TESTS = 'prometheus/kfkd-alerts.test.yml';
const [rules] = yamlDocuments(RULES) as RuleFile[];
const [ruleTests] = yamlDocuments(RULE_TESTS) as RuleTests[];
const alerts = rules.groups.flatMap((g) => g.rules).filter((r) => r.alert !== undefined);

it('alerts on no worker, doubled step time, flapping workers and a NaN loss, each with a severity and a summary', () => {
  expect(alerts.map((a) => a.alert)).toEqual(['KfkdNoWorkers', 'KfkdStepTimeDoubled', 'KfkdWorkersFlapping', 'KfkdWorkerReconnecting', 'KfkdLossNotFinite']);
  for (const a of alerts) {
    expect(['critical', 'warning'], a.alert).toContain(a.labels?.severity);
    expect(a.annotations?.summary, a.alert).toMatch(/\{\{ \$labels\.run \}\}/);
    expect(a.for, a.alert).toMatch(/^\d+m$/);
  }
});

it('uses only metrics the coordinator or the workers export (or its own recording rules)', async () => {
  const exported = new Set([
    ...(await metricNames(new CoordinatorMetrics().registry)),
    ...(await metricNames(new WorkerMetrics({ id: 'w', backend: 'wasm', device: 'cpu' }).registry)),
  ]);
  const recorded = new Set(rules.groups.flatMap((g) => g.rules).flatMap((r) => (r.record ? [r.record] : [])));
  const used = rules.groups.flatMap((g) => g.rules).flatMap((r) => [...r.expr.matchAll(/\bkfkd[a-z0-9_:]*/g)].map((m) => m[0]));
  expect(used.length).toBeGreaterThan(8);
  expect(used.filter((name) => !exported.has(name) && !recorded.has(name))).toEqual([]);
});

it('has a unit test in which each alert fires and one in which it stays silent', () => {
  expect(ruleTests.rule_files).toEqual(['kfkd-alerts.yml']);
  const cases = ruleTests.tests.flatMap((t) => t.alert_rule_test ?? []);
  for (const a of alerts) {
    const mine = cases.filter((c) => c.alertname === a.alert);
    expect(mine.some((c) => (c.exp_alerts ?? []).length > 0), `${a.alert} fires`).toBe(true);
    expect(mine.some((c) => (c.exp_alerts ?? []).length === 0), `${a.alert} stays silent`).toBe(true);
  }
});

it('is loaded by both scrape configurations', () => {
  for (const config of ['prometheus/prometheus.yml', 'prometheus/prometheus-kubernetes.yml']) {
    const [parsed] = yamlDocuments(config) as { rule_files?: string[] }[];
    expect(parsed.rule_files, config).toEqual(['kfkd-alerts.yml']);
  }
});

it("the Prometheus Operator's PrometheusRule has the same rules", () => {
  const [rule] = yamlDocuments('k8s/prometheusrule.yaml') as (K8sObject & { spec: RuleFile })[];
  expect(rule.kind).toBe('PrometheusRule');
  expect(rule.spec.groups).toEqual(rules.groups);
});

describe.skipIf(!hasPromtool)(PROMTOOL_SUITE, () => {
  it('check rules accepts the rules', () => {
    const out = execFileSync('promtool', ['check', 'rules', deployPath(RULES)], { encoding: 'utf8' });
    expect(out).toMatch(new RegExp(`SUCCESS: ${rules.groups.flatMap((g) => g.rules).length} rules found`));
  });

  it('test rules passes the unit tests: each alert fires for the run in trouble and not for the healthy one', () => {
    const result = spawnSync('promtool', ['test', 'rules', deployPath(RULE_TESTS)], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).toMatch(/SUCCESS/);
    expect(result.status).toBe(0);
  });
});
