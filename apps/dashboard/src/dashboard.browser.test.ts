/**
 * The dashboard in a real headless Chromium (Debian's chromium, driven by
 * playwright-core): a short distributed run (coordinator, one worker, the
 * dashboard as separate processes), the page's epoch table and both loss
 * curves against the run's history.jsonl, and recovery after the dashboard
 * is killed and restarted, and after the coordinator is stopped and resumed
 * from its checkpoint (the resumed history is replayed). Leaves screenshots
 * in test-output/.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './testing/chromium.ts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type KfkdProcess, startKfkd } from './testing/processes.ts';

const OUTPUT_DIR = fileURLToPath(new URL('../test-output/', import.meta.url));
// TLS as by default: the coordinator makes its run directory's credentials; the worker and the dashboard get their folders.
const env = { KFKD_TOKEN: '' };
const credentials = (role: 'worker' | 'viewer'): string[] => ['--credentials', join(runDir, 'credentials', role)];

let dir: string;
let runDir: string;
let coordinator: KfkdProcess;
let worker: KfkdProcess;
let dashboard: KfkdProcess;
let dashboardPort: number;
let coordinatorArgs: string[];
let address: string;
let browser: BrowserContext;
let page: Page;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kfkd-dashboard-'));
  runDir = join(dir, 'run');
  const data = join(dir, 'train.csv');
  const synth = startKfkd(env, 'synth', '--rows', '150', '--label-all', '1', '--out', data);
  await synth.waitFor(/wrote /);
  // Many epochs: the run must outlive the test (it is killed at the end).
  coordinatorArgs = ['coordinator', '--net', 'net1', '--data', data, '--epochs', '500', '--batch', '32', '--run-dir', runDir];
  coordinator = startKfkd(env, ...coordinatorArgs, '--listen', '127.0.0.1:0');
  address = `127.0.0.1:${(await coordinator.waitFor(/listening on \S+:(\d+)/))[1]}`;
  worker = startKfkd(env, 'worker', ...credentials('worker'), '--coordinator', address, '--backend', 'cpu', '--id', 'test-worker');
  dashboard = startKfkd(env, 'dashboard', ...credentials('viewer'), '--coordinator', address, '--listen', '127.0.0.1:0');
  dashboardPort = Number((await dashboard.waitFor(/serving http:\/\/127\.0\.0\.1:(\d+)\//))[1]);
  browser = await launchChromium(join(dir, 'chromium-profile'), { width: 1400, height: 1000 });
  page = browser.pages()[0] ?? (await browser.newPage());
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([dashboard, worker, coordinator].map((p) => p?.kill()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The epoch table's rows as shown, newest first. */
async function shownRows(): Promise<string[][]> {
  return page.$$eval('#epochs tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')));
}

/** The history file's rows in the table's format. */
async function historyRows(): Promise<Map<string, string[]>> {
  const text = await readFile(join(runDir, 'history.jsonl'), 'utf8');
  const rows = new Map<string, string[]>();
  for (const line of text.split('\n').filter((l) => l.trim() !== '')) {
    const r = JSON.parse(line) as { epoch: number; train_loss: number; valid_loss: number; train_valid_ratio: number; seconds: number };
    rows.set(String(r.epoch), [String(r.epoch), r.train_loss.toFixed(6), r.valid_loss.toFixed(6), r.train_valid_ratio.toFixed(5), `${r.seconds.toFixed(2)}s`]);
  }
  return rows;
}

/** Every row shown equals the history file's row of that epoch; newest first, no gaps. */
async function expectTableMatchesHistory(minRows: number): Promise<number> {
  const shown = await shownRows();
  const history = await historyRows();
  expect(shown.length).toBeGreaterThanOrEqual(minRows);
  shown.forEach((row, i) => {
    expect(row[0]).toBe(String(shown.length - i));
    expect(row).toEqual(history.get(row[0]));
  });
  return shown.length;
}

/** Pixels of the chart's canvas close to each series' colour: both curves drawn. */
async function curvePixels(): Promise<{ train: number; valid: number }> {
  return page.$eval('#chart canvas', (canvas) => {
    const c = canvas as HTMLCanvasElement;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const near = (i: number, [r, g, b]: number[]): boolean => Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b) < 60;
    let train = 0;
    let valid = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (near(i, [0x1f, 0x6f, 0xd1])) train++;
      if (near(i, [0xd9, 0x48, 0x0f])) valid++;
    }
    return { train, valid };
  });
}

it('shows the run, its epoch table and both loss curves as in history.jsonl, and recovers when the dashboard restarts', async () => {
  const url = `http://127.0.0.1:${dashboardPort}/`;
  const started = Date.now();
  await page.goto(url);
  await page.waitForSelector('#epochs tbody tr[data-epoch="3"]', { timeout: 60_000 });
  await page.waitForFunction(() => document.querySelectorAll('#faces canvas').length === 16, undefined, { timeout: 30_000 });
  const curves = await curvePixels();
  expect(curves.train).toBeGreaterThan(50);
  expect(curves.valid).toBeGreaterThan(50);
  const before = await expectTableMatchesHistory(3);
  await expect(page.textContent('#run-facts')).resolves.toMatch(/net1.*150|Net\s*net1/s);
  await expect(page.textContent('#workers tbody')).resolves.toMatch(/test-worker.*cpu.*active/s);
  await expect(page.textContent('#run-facts')).resolves.toMatch(/of 500/);
  await mkdir(OUTPUT_DIR, { recursive: true });
  await page.screenshot({ path: join(OUTPUT_DIR, 'dashboard.png'), fullPage: true });

  // Kill the dashboard: the page says so, and recovers by itself once it is back on the same port.
  await dashboard.kill();
  await page.waitForFunction(() => /Connection to the dashboard lost/.test(document.querySelector('#notice')?.textContent ?? ''), undefined, { timeout: 15_000 });
  dashboard = startKfkd(env, 'dashboard', ...credentials('viewer'), '--coordinator', address, '--listen', `127.0.0.1:${dashboardPort}`);
  await dashboard.waitFor(/serving http/);
  await page.waitForFunction(() => /Reconnected/.test(document.querySelector('#notice')?.textContent ?? ''), undefined, { timeout: 30_000 });
  await page.waitForFunction((n) => document.querySelectorAll('#epochs tbody tr').length > n, before, { timeout: 30_000 });
  await expectTableMatchesHistory(before + 1);
  await page.screenshot({ path: join(OUTPUT_DIR, 'dashboard-after-restart.png'), fullPage: true });
  expect(Date.now() - started).toBeLessThan(90_000);
});

it('shows the whole history again after the coordinator resumes from its checkpoint', async () => {
  // SIGTERM: the coordinator checkpoints after the step in flight and exits.
  await coordinator.kill('SIGTERM');
  await page.waitForFunction(() => /unreachable/.test(document.querySelector('#link')?.textContent ?? ''), undefined, { timeout: 30_000 });
  const before = (await historyRows()).size;
  coordinator = startKfkd(env, ...coordinatorArgs, '--listen', address);
  await coordinator.waitFor(/resuming from the checkpoint/);
  // The worker and the dashboard find it again by themselves.
  await page.waitForFunction((n) => document.querySelectorAll('#epochs tbody tr').length > n, before, { timeout: 60_000 });
  await expect(page.isHidden('#link')).resolves.toBe(true);
  await expectTableMatchesHistory(before + 1);
});
