/**
 * The dashboard of a pool of jobs in headless Chromium, against a fake
 * coordinator streaming two jobs and a parked worker: the jobs table (a row
 * each: state, epoch x of N, best valid RMSE, workers), the pool's workers
 * with the job each is on, and a click on a job's row showing that job's
 * epoch table, curves, facts and faces (and its Ring card); the choice
 * survives a reload.
 * Leaves a screenshot in test-output/.
 */
import * as grpc from '@grpc/grpc-js';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Dashboard } from './dashboard.ts';
import { launchChromium } from './testing/chromium.ts';
import { type FakeCoordinator, type FakeJob, fakePool, startFakeCoordinator } from './testing/fake-coordinator.ts';

const OUTPUT_DIR = fileURLToPath(new URL('../test-output/', import.meta.url));
const JOBS: FakeJob[] = [
  { name: 'general', net: 'net2', epochs: 12, maxEpochs: 30, workers: ['gpu-node-1-gpu0'] },
  { name: 'left_eye_center', net: 'net6', epochs: 7, maxEpochs: 40, workers: ['gpu-node-2-gpu0', 'gpu-node-3-gpu0'] },
  { name: 'mouth', net: 'net6', epochs: 3, maxEpochs: 3, workers: [], finished: 'completed' },
];
let coordinator: FakeCoordinator;
let dashboard: Dashboard;
let url: string;
let dir: string;
let browser: BrowserContext;
let page: Page;

beforeAll(async () => {
  coordinator = await startFakeCoordinator('t', fakePool(JOBS, ['gpu-node-4-gpu0']));
  dashboard = new Dashboard({ coordinator: coordinator.address, token: 't', credentials: grpc.credentials.createInsecure(), host: '127.0.0.1', port: 0 });
  url = await dashboard.start();
  // Wait until the dashboard holds the whole replay.
  for (let i = 0; i < 200 && (dashboard.current.pool === null || dashboard.current.replaying); i++) await new Promise((r) => setTimeout(r, 50));
  dir = await mkdtemp(join(tmpdir(), 'kfkd-pool-page-'));
  browser = await launchChromium(join(dir, 'profile'), { width: 1400, height: 1100 });
  page = browser.pages()[0] ?? (await browser.newPage());
});

afterAll(async () => {
  await browser?.close();
  await dashboard?.stop();
  await coordinator?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const cells = (selector: string): Promise<string[][]> =>
  page.$$eval(selector, (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')));

it('shows a row per job and the pool workers with their jobs, in place of the run workers table', async () => {
  await page.goto(url);
  await page.waitForSelector('#epochs tbody tr');
  const rows = await cells('#jobs tbody tr');
  expect(rows.map((r) => [r[0], r[1], r[2], r[3], r[5]])).toEqual([
    ['general', 'net2', 'training', '13 of 30', '1'],
    ['left_eye_center', 'net6', 'training', '8 of 40', '2'],
    ['mouth', 'net6', 'completed', '3 of 3', '0'],
  ]);
  // Best valid RMSE: the lowest of the job's epochs, in pixels.
  const best = (job: FakeJob) => Math.min(...dashboard.current.pool!.runs[job.name]!.epochs.map((e) => e.validRmsePx));
  expect(rows.map((r) => r[4])).toEqual(JOBS.map((job) => `${best(job).toFixed(3)} px`));
  expect(await page.isVisible('#workers')).toBe(false);
  const workers = await cells('#pool-workers tbody tr');
  expect(workers.map((w) => [w[0], w[1], w[3]])).toEqual([
    ['gpu-node-1-gpu0', 'general', 'active'],
    ['gpu-node-2-gpu0', 'left_eye_center', 'active'],
    ['gpu-node-3-gpu0', 'left_eye_center', 'active'],
    ['gpu-node-4-gpu0', '–', 'parked'],
  ]);
  // The first job is shown until another is chosen.
  expect(await page.getAttribute('#jobs tbody tr.selected', 'data-job')).toBe('general');
  expect(await page.$$eval('#epochs tbody tr', (r) => r.length)).toBe(12);
  expect(await page.textContent('#run-title')).toMatch(/^pool of 3 jobs · training · general: net2/);
});

it("a click on a job's row shows its epoch table, loss curves, facts and faces, and a reload keeps it", async () => {
  await page.click('#jobs tbody tr[data-job="left_eye_center"]');
  await page.waitForSelector('#jobs tbody tr.selected[data-job="left_eye_center"]');
  const run = dashboard.current.pool!.runs.left_eye_center!;
  const shown = await cells('#epochs tbody tr');
  expect(shown).toHaveLength(7);
  // Newest first, as the tutorial's log with the rows reversed; the losses are this job's.
  expect(shown[0]![0]).toBe('7');
  expect(shown[0]![2]).toBe(run.epochs.at(-1)!.validLoss.toFixed(6));
  expect(await page.getAttribute('#jobs tbody tr.selected', 'data-job')).toBe('left_eye_center');
  expect(await page.textContent('#run-facts')).toContain('8 of 40');
  // uPlot's legend shows the latest epoch of the chart's data: this job's.
  expect(await page.textContent('#chart')).toContain(run.epochs.at(-1)!.validLoss.toFixed(6));
  expect(await page.$$eval('#faces canvas', (c) => c.length)).toBe(16);
  await mkdir(OUTPUT_DIR, { recursive: true });
  await page.screenshot({ path: join(OUTPUT_DIR, 'dashboard-pool.png'), fullPage: true });

  await page.reload();
  await page.waitForSelector('#jobs tbody tr.selected');
  expect(await page.getAttribute('#jobs tbody tr.selected', 'data-job')).toBe('left_eye_center');
  expect(page.url()).toMatch(/#job=left_eye_center$/);

  await page.click('#jobs tbody tr[data-job="mouth"]');
  await page.waitForFunction(() => document.querySelectorAll('#epochs tbody tr').length === 3);
  expect(await page.textContent('#run-title')).toMatch(/mouth: net6 · finished \(completed\)$/);
});

it("follows the pool live: a job's epoch reaches its views and its row, a worker moves", async () => {
  await page.click('#jobs tbody tr[data-job="general"]');
  await page.waitForFunction(() => document.querySelectorAll('#epochs tbody tr').length === 12);
  const now = Date.now();
  coordinator.push({
    timeMs: now,
    job: 'general',
    epoch: { epoch: 13, trainLoss: 0.004, validLoss: 0.005, trainValidRatio: 0.8, validRmsePx: 3.394, learningRate: 0.03, momentum: 0.9, seconds: 5 },
  });
  const status = fakePool(JOBS, ['gpu-node-4-gpu0'], now)[1]!.pool!;
  coordinator.push({
    timeMs: now,
    pool: {
      jobs: status.jobs!.map((j) => (j.name === 'general' ? { ...j, epochsDone: 13, bestValidRmsePx: 3.394, workers: 2 } : j)),
      workers: status.workers!.map((w) => (w.workerId === 'gpu-node-4-gpu0' ? { ...w, job: 'general', state: 'in-job' } : w)),
    },
  });
  await page.waitForSelector('#epochs tbody tr[data-epoch="13"]');
  await page.waitForFunction(() => document.querySelector('#jobs tbody tr[data-job="general"]')?.textContent?.includes('14 of 30'));
  const row = (await cells('#jobs tbody tr[data-job="general"]'))[0]!;
  expect([row[3], row[4], row[5]]).toEqual(['14 of 30', '3.394 px', '2']);
  const moved = (await cells('#pool-workers tbody tr[data-worker="gpu-node-4-gpu0"]'))[0]!;
  // In its job, though its job has not reported it yet: pending until it does.
  expect([moved[1], moved[3]]).toEqual(['general', 'pending']);
});

it("shows the selected job's ring round only", async () => {
  const [w2, w3] = ['gpu-node-2-gpu0', 'gpu-node-3-gpu0'];
  coordinator.push({
    timeMs: Date.now(),
    job: 'left_eye_center',
    ring: { epoch: 8, step: 4, workers: [w2, w3], hops: [{ fromWorker: w2, toWorker: w3, bytes: '2000000', seconds: 0.01 }, { fromWorker: w3, toWorker: '', bytes: '2000000', seconds: 0.02 }] },
  });
  for (let i = 0; i < 100 && !dashboard.current.pool!.runs.left_eye_center!.ring; i++) await new Promise((r) => setTimeout(r, 50));
  // 'general' (one worker, star steps) is selected: no Ring card.
  await page.waitForSelector('#jobs tbody tr.selected[data-job="general"]');
  expect(await page.isHidden('#ring-card')).toBe(true);
  await page.click('#jobs tbody tr[data-job="left_eye_center"]');
  await page.waitForSelector('#ring-card:not([hidden]) #ring tbody tr.slowest');
  expect(await page.textContent('#ring-order')).toBe(`${w2} → ${w3} → coordinator`);
  expect(await cells('#ring tbody tr')).toEqual([
    [w2, w3, '2.0', '10.0', '200.0', ''],
    [w3, 'coordinator', '2.0', '20.0', '100.0', 'slowest'],
  ]);
});
