/**
 * Prometheus scrapes a real distributed run: a coordinator and two workers
 * (net1 on 300 synthetic faces) serve /metrics on loopback, a real
 * Prometheus server scrapes them with deploy/'s scrape configuration, and
 * its HTTP API shows throughput and loss series from the coordinator and
 * from each worker.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type KfkdProcess, startKfkd } from '../testing/cluster.ts';
import { kfkd } from '../testing/kfkd-process.ts';
import { freePort } from '../testing/free-port.ts';
import { type Prometheus, type Sample, startPrometheus } from '../testing/prometheus.ts';

const GRAFANA_DASHBOARD = new URL('../../../../deploy/grafana/kfkd-dashboard.json', import.meta.url);

let dir: string;
let data: string;
let prometheus: Prometheus | null = null;
const processes: KfkdProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kfkd-prometheus-run-'));
  data = join(dir, 'train.csv');
  expect((await kfkd('synth', '--rows', '300', '--label-all', '1', '--out', data)).code).toBe(0);
});

afterAll(async () => {
  for (const p of processes) p.kill('SIGKILL');
  await prometheus?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Polls `promql` until `accept` holds for its result; returns that result. */
async function eventually(promql: string, accept: (samples: Sample[]) => boolean, timeoutMs = 60_000): Promise<Sample[]> {
  const until = Date.now() + timeoutMs;
  let last: Sample[] = [];
  while (Date.now() < until) {
    last = await prometheus!.query(promql);
    if (accept(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${promql} never gave the expected result; last: ${JSON.stringify(last)}`);
}

it('throughput and loss series of the coordinator and of each worker reach Prometheus', async () => {
  const [coordinatorMetrics, ...workerMetrics] = [await freePort(), await freePort(), await freePort()];
  const workerTargets = workerMetrics.map((p) => `127.0.0.1:${p}`);
  prometheus = await startPrometheus({ 'kfkd-coordinator': [`127.0.0.1:${coordinatorMetrics}`], 'kfkd-worker': workerTargets });

  const env = { KFKD_WASM_THREADS: '1' };
  const coordinator = startKfkd(
    ['coordinator', '--listen', '127.0.0.1:0', '--metrics-listen', `127.0.0.1:${coordinatorMetrics}`, '--min-workers', '2'].concat(
      // 30 epochs, a few seconds: long enough that Prometheus (every 500 ms) scrapes the processes mid-run; 6 were over in about a second.
      ['--net', 'net1', '--data', data, '--epochs', '30', '--batch', '32', '--run-dir', join(dir, 'run')],
    ),
    env,
  );
  processes.push(coordinator);
  const port = Number((await coordinator.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1]);
  workerMetrics.forEach((metricsPort, i) =>
    processes.push(startKfkd(['worker', '--coordinator', `127.0.0.1:${port}`, '--id', `w${i + 1}`, '--backend', 'wasm', '--metrics-listen', `127.0.0.1:${metricsPort}`], env)),
  );

  // Range functions: once a process exits, Prometheus marks its series stale and an instant selector finds nothing.
  const coordinatorJob = 'job="kfkd-coordinator"';
  const trained = await eventually(`max_over_time(kfkd_samples_processed_total{${coordinatorJob},part="train"}[5m])`, (s) => s.length === 1 && s[0].value > 0);
  expect(trained[0].metric.instance).toBe(`127.0.0.1:${coordinatorMetrics}`);
  for (const loss of ['kfkd_train_loss', 'kfkd_valid_loss', 'kfkd_step_loss']) {
    await eventually(`max_over_time(${loss}{${coordinatorJob}}[5m])`, (s) => s.length === 1 && s[0].value > 0);
  }
  await eventually(`max_over_time(kfkd_step_duration_seconds_count{${coordinatorJob}}[5m])`, (s) => s.length === 1 && s[0].value > 0);

  const perWorker = await eventually(`max_over_time(kfkd_worker_samples_processed_total{job="kfkd-worker",part="train"}[5m])`, (s) => s.length === 2 && s.every((x) => x.value > 0));
  expect(perWorker.map((s) => s.metric.instance).sort()).toEqual([...workerTargets].sort());
  const workerLoss = await eventually(`max_over_time(kfkd_worker_task_loss{job="kfkd-worker",part="train"}[5m])`, (s) => s.length === 2 && s.every((x) => x.value > 0));
  expect(workerLoss.map((s) => s.metric.instance).sort()).toEqual([...workerTargets].sort());
  const info = await eventually(`max_over_time(kfkd_worker_info{job="kfkd-worker"}[5m])`, (s) => s.length === 2);
  expect(info.map((s) => s.metric.worker).sort()).toEqual(['w1', 'w2']);
  expect(info.every((s) => s.metric.backend === 'wasm')).toBe(true);

  // The scrape config labels every series with its run, which the dashboard and the alerts select by.
  expect(trained[0].metric.run).toBe('net1');
  expect(perWorker.map((s) => s.metric.run)).toEqual(['net1', 'net1']);

  // Every query of the Grafana dashboard, its variables set as Grafana would
  // (namespace: All, run: this run), is valid PromQL for this Prometheus.
  const dashboard = JSON.parse(await readFile(GRAFANA_DASHBOARD, 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };
  const exprs = dashboard.panels.flatMap((p) =>
    p.targets.map((t) => t.expr.replaceAll('$__rate_interval', '1m').replaceAll('$namespace', '.*').replaceAll('$run', 'net1')),
  );
  expect(exprs.length).toBeGreaterThan(20);
  for (const expr of exprs) await prometheus.query(expr);

  // Prometheus loaded the alert rules the scrape config names, without errors.
  const rules = (await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as { data: { groups: { rules: { name: string; health: string }[] }[] } };
  const loaded = rules.data.groups.flatMap((g) => g.rules);
  expect(loaded.map((r) => r.name)).toContain('KfkdNoWorkers');
  expect(loaded.filter((r) => r.health === 'err')).toEqual([]);

  // The run itself is unharmed by being scraped.
  expect(await coordinator.exited).toBe(0);
  for (const p of processes.slice(1)) expect(await p.exited).toBe(0);
});
