/** The Prometheus scrape configurations parse, and the plain one scrapes the CLI's default metrics ports. */
import { COORDINATOR_METRICS_LISTEN, WORKER_METRICS_LISTEN } from '@kfkd/cli/metrics-endpoint';
import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { deployPath, yamlDocuments } from './files.ts';

interface PrometheusConfig {
  global: { scrape_interval: string };
  scrape_configs: { job_name: string; metrics_path?: string; static_configs?: { targets: string[]; labels?: Record<string, string> }[]; kubernetes_sd_configs?: unknown[] }[];
}

const port = (address: string): string => address.slice(address.lastIndexOf(':') + 1);

it('prometheus.yml has a coordinator and a worker job on the default metrics ports', () => {
  const [config] = yamlDocuments('prometheus/prometheus.yml') as PrometheusConfig[];
  const job = (name: string) => config.scrape_configs.find((j) => j.job_name === name)!;
  const targets = (name: string): string[] => job(name).static_configs!.flatMap((s) => s.targets);
  expect(targets('kfkd-coordinator').map(port)).toEqual([port(COORDINATOR_METRICS_LISTEN)]);
  expect(targets('kfkd-worker').map(port)).toContain(port(WORKER_METRICS_LISTEN));
  for (const name of ['kfkd-coordinator', 'kfkd-worker']) expect(job(name).metrics_path).toBe('/metrics');
  // The label the dashboard and the alerts tell runs apart by: the same on the coordinator and its workers.
  const runs = config.scrape_configs.flatMap((j) => j.static_configs!.map((s) => s.labels?.run));
  expect(new Set(runs)).toEqual(new Set(['net1']));
});

it('prometheus.yml passes promtool check config', () => {
  // promtool comes with Debian's prometheus package, which .ci/run installs.
  const out = execFileSync('promtool', ['check', 'config', deployPath('prometheus/prometheus.yml')], { encoding: 'utf8' });
  expect(out).toMatch(/SUCCESS/);
});

it('prometheus-kubernetes.yml discovers annotated kfkd pods', () => {
  // Debian's promtool is built without Kubernetes discovery, so this one is checked structurally.
  const [config] = yamlDocuments('prometheus/prometheus-kubernetes.yml') as (PrometheusConfig & { scrape_configs: { relabel_configs: { source_labels: string[]; action?: string; regex?: string; target_label?: string }[] }[] })[];
  const job = config.scrape_configs[0];
  expect(job.kubernetes_sd_configs).toEqual([{ role: 'pod', namespaces: { names: ['kfkd'] } }]);
  expect(job.relabel_configs).toContainEqual({ source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_scrape'], action: 'keep', regex: 'true' });
  expect(job.relabel_configs.some((r) => r.source_labels.includes('__meta_kubernetes_pod_annotation_prometheus_io_port'))).toBe(true);
  // Two runs in one Prometheus: by namespace, and by the pods' app.kubernetes.io/instance as `run`.
  expect(job.relabel_configs).toContainEqual({ source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' });
  expect(job.relabel_configs).toContainEqual({ source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_instance'], target_label: 'run' });
});
