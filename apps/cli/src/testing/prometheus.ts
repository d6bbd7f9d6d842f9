/**
 * A real Prometheus server for the tests (Debian's `prometheus` binary) on
 * loopback with a temporary storage directory, scraping with the scrape
 * configuration of deploy/prometheus/prometheus.yml, its targets and
 * interval replaced (the targets' labels, such as `run`, and its alert rules
 * kept). Always stopped (also when a test file ends early).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { freePort } from './free-port.ts';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { parse, stringify } from 'yaml';

export const SCRAPE_CONFIG = fileURLToPath(new URL('../../../../deploy/prometheus/prometheus.yml', import.meta.url));

const running = new Set<ChildProcess>();
afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
});

/** One series of an instant query's result. */
export interface Sample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Prometheus {
  readonly url: string;
  query(promql: string): Promise<Sample[]>;
  stop(): Promise<void>;
}

interface ScrapeConfig {
  job_name: string;
  scrape_interval?: string;
  static_configs: { targets: string[]; labels?: Record<string, string> }[];
}


/** Starts Prometheus with deploy/'s config, `targets` per job name, and the given scrape interval. */
export async function startPrometheus(targets: Readonly<Record<string, readonly string[]>>, scrapeInterval = '500ms'): Promise<Prometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'kfkd-prometheus-'));
  const config = parse(await readFile(SCRAPE_CONFIG, 'utf8')) as { global: Record<string, string>; rule_files?: string[]; scrape_configs: ScrapeConfig[] };
  config.global.scrape_interval = scrapeInterval;
  config.global.evaluation_interval = scrapeInterval;
  // The config moves to a temporary directory: its rule files stay where they are.
  config.rule_files = config.rule_files?.map((file) => resolve(dirname(SCRAPE_CONFIG), file));
  for (const job of config.scrape_configs) {
    const wanted = targets[job.job_name];
    if (!wanted) throw new Error(`no targets given for job ${job.job_name} of ${SCRAPE_CONFIG}`);
    const labels = job.static_configs[0]?.labels;
    job.static_configs = [labels ? { targets: [...wanted], labels } : { targets: [...wanted] }];
  }
  const unknown = Object.keys(targets).filter((name) => !config.scrape_configs.some((j) => j.job_name === name));
  if (unknown.length > 0) throw new Error(`${SCRAPE_CONFIG} has no job ${unknown.join(', ')}`);
  await writeFile(join(dir, 'prometheus.yml'), stringify(config));

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    'prometheus',
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  running.add(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      running.delete(child);
      resolve();
    }),
  );
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with code ${child.exitCode}:\n${stderr}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus not ready within 30 s:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    url,
    stop,
    async query(promql) {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await response.json()) as { status: string; error?: string; data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] } };
      if (body.status !== 'success' || !body.data) throw new Error(`query ${promql} failed: ${body.error ?? response.status}`);
      if (body.data.resultType !== 'vector') throw new Error(`query ${promql} gave a ${body.data.resultType}, not a vector`);
      return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
  };
}
