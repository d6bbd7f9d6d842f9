/**
 * The dashboard in a real headless Chromium (Debian's chromium, driven by
 * playwright-core): a short distributed run (coordinator, one worker, the
 * dashboard as separate processes), the page's epoch table and both loss
 * curves against the run's history.jsonl, and recovery after the dashboard
 * is killed and restarted, and after the coordinator is stopped and resumed
 * from its checkpoint (the resumed history is replayed); the Ring card
 * hidden for that run's star steps, and shown against a fake coordinator's
 * ring rounds (order, a row per hop, the slowest marked). Leaves screenshots
 * in test-output/.
 */
import * as grpc from '@grpc/grpc-js';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './testing/chromium.ts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Dashboard } from './dashboard.ts';
import { fakeRun, startFakeCoordinator } from './testing/fake-coordinator.ts';
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
  // One worker: star steps only, no ring round to show.
  await expect(page.isHidden('#ring-card')).resolves.toBe(true);
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

it("shows a ring round's order and a row per hop, marks the slowest link in words, and follows the next round", async () => {
  const MB32 = '33554432';
  const workers = ['gpu-node-1-gpu0', 'gpu-node-2-gpu0', 'gpu-node-3-gpu0'];
  const now = Date.now();
  const replay = fakeRun(3, now, { workers });
  // The last ring round is replayed before ReplayDone, as the coordinator's journal does.
  replay.splice(replay.length - 1, 0, {
    timeMs: now,
    ring: {
      epoch: 4,
      step: 2,
      workers,
      hops: [
        { fromWorker: workers[0], toWorker: workers[1], bytes: MB32, seconds: 0.04 },
        { fromWorker: workers[1], toWorker: workers[2], bytes: MB32, seconds: 0.3 },
        { fromWorker: workers[2], toWorker: '', bytes: MB32, seconds: 0.05 },
      ],
    },
  });
  const fake = await startFakeCoordinator('t', replay);
  const ringDashboard = new Dashboard({ coordinator: fake.address, token: 't', credentials: grpc.credentials.createInsecure(), host: '127.0.0.1', port: 0 });
  try {
    await page.goto(await ringDashboard.start());
    await page.waitForSelector('#ring-card:not([hidden]) #ring tbody tr[data-hop="2"]', { timeout: 30_000 });
    expect(await page.textContent('#ring-order')).toBe('gpu-node-1-gpu0 → gpu-node-2-gpu0 → gpu-node-3-gpu0 → coordinator');
    expect(await page.textContent('#ring-measured')).toMatch(/^\(epoch 4, step 3 of 14; /);
    const hops = () => page.$$eval('#ring tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    // From, to, MB (10^6 bytes), ms, MB/s, and the mark: the 0.3 s hop is the slow link.
    expect(await hops()).toEqual([
      ['gpu-node-1-gpu0', 'gpu-node-2-gpu0', '33.6', '40.0', '838.9', ''],
      ['gpu-node-2-gpu0', 'gpu-node-3-gpu0', '33.6', '300.0', '111.8', 'slowest'],
      ['gpu-node-3-gpu0', 'coordinator', '33.6', '50.0', '671.1', ''],
    ]);
    expect(await page.getAttribute('#ring tbody tr.slowest', 'data-hop')).toBe('1');
    await mkdir(OUTPUT_DIR, { recursive: true });
    await page.screenshot({ path: join(OUTPUT_DIR, 'dashboard-ring.png'), fullPage: true });

    // A later round, live: now the link into the coordinator is the slow one.
    fake.push({
      timeMs: Date.now(),
      ring: {
        epoch: 5,
        step: 0,
        workers,
        hops: [
          { fromWorker: workers[0], toWorker: workers[1], bytes: MB32, seconds: 0.04 },
          { fromWorker: workers[1], toWorker: workers[2], bytes: MB32, seconds: 0.05 },
          { fromWorker: workers[2], toWorker: '', bytes: MB32, seconds: 0.5 },
        ],
      },
    });
    await page.waitForSelector('#ring tbody tr.slowest[data-hop="2"]');
    expect(await page.textContent('#ring-measured')).toMatch(/^\(epoch 5, step 1 of 14; /);
    expect((await hops()).map((row) => row[5])).toEqual(['', '', 'slowest']);
  } finally {
    await ringDashboard.stop();
    await fake.stop();
  }
});
