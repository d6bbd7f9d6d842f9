/**
 * What opening the page costs for a run with 1,000 epochs of history, in
 * headless Chromium: bytes transferred (HTML, JS, CSS as sent, gzip; the
 * WebSocket's initial state as JSON and as permessage-deflate would send it)
 * and the time to the first epoch-table row, cold (fresh profile) and on
 * reload. Prints the figures and writes test-output/page-load.json.
 */
import * as grpc from '@grpc/grpc-js';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import type { BrowserContext } from 'playwright-core';
import { launchChromium } from './testing/chromium.ts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Dashboard } from './dashboard.ts';
import { type FakeCoordinator, fakeRun, startFakeCoordinator } from './testing/fake-coordinator.ts';

const EPOCHS = 1000;
const OUTPUT_DIR = fileURLToPath(new URL('../test-output/', import.meta.url));
let coordinator: FakeCoordinator;
let dashboard: Dashboard;
let url: string;
let dir: string;
let browser: BrowserContext;

beforeAll(async () => {
  coordinator = await startFakeCoordinator('t', fakeRun(EPOCHS));
  dashboard = new Dashboard({ coordinator: coordinator.address, token: 't', credentials: grpc.credentials.createInsecure(), host: '127.0.0.1', port: 0 });
  url = await dashboard.start();
  // Wait until the dashboard holds the whole replay.
  for (let i = 0; i < 200 && (dashboard.current.replaying || dashboard.current.epochs.length < EPOCHS); i++) await new Promise((r) => setTimeout(r, 50));
  dir = await mkdtemp(join(tmpdir(), 'kfkd-page-load-'));
  browser = await launchChromium(join(dir, 'profile'), { width: 1400, height: 1000 });
});

afterAll(async () => {
  await browser?.close();
  await dashboard?.stop();
  await coordinator?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('loads a 1,000-epoch run quickly and cheaply', async () => {
  expect(dashboard.current.epochs).toHaveLength(EPOCHS);
  const page = browser.pages()[0] ?? (await browser.newPage());
  const http = new Map<string, number>();
  page.on('requestfinished', (request) => {
    // The first (cold) load's sizes; a reload gets 304s.
    const path = new URL(request.url()).pathname;
    if (!http.has(path)) void request.sizes().then((s) => http.set(path, s.responseBodySize + s.responseHeadersSize));
  });
  let socketPayload = 0;
  page.on('websocket', (ws) => ws.on('framereceived', (f) => (socketPayload += typeof f.payload === 'string' ? Buffer.byteLength(f.payload) : f.payload.length)));

  const firstRow = async (): Promise<number> => {
    const started = Date.now();
    await page.waitForSelector(`#epochs tbody tr[data-epoch="${EPOCHS}"]`, { timeout: 30_000 });
    return Date.now() - started;
  };
  const coldStart = Date.now();
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForSelector(`#epochs tbody tr[data-epoch="${EPOCHS}"]`, { timeout: 30_000 });
  const coldMs = Date.now() - coldStart;
  const rows = await page.$$eval('#epochs tbody tr', (r) => r.length);
  const coldSocket = socketPayload;
  const stateJson = JSON.stringify({ type: 'state', state: dashboard.current });
  await page.waitForTimeout(300);

  socketPayload = 0;
  const reloadStart = Date.now();
  const reload = page.reload({ waitUntil: 'commit' });
  const warmMs = await firstRow();
  await reload;
  const warmTotalMs = Date.now() - reloadStart;
  const figures = {
    epochs: EPOCHS,
    rows,
    httpBytes: Object.fromEntries(http),
    httpTotalBytes: [...http.values()].reduce((a, b) => a + b, 0),
    socketInitialStateJsonBytes: coldSocket,
    socketInitialStateDeflatedBytes: deflateRawSync(stateJson).length,
    epochsOnlyJsonBytes: JSON.stringify(dashboard.current.epochs).length,
    predictionsJsonBytes: JSON.stringify(dashboard.current.predictions).length,
    coldFirstRowMs: coldMs,
    reloadFirstRowMs: Math.max(warmMs, 0),
    reloadTotalMs: warmTotalMs,
  };
  console.log(`page load, ${EPOCHS} epochs: ${JSON.stringify(figures, null, 2)}`);
  await mkdir(OUTPUT_DIR, { recursive: true });
  await writeFile(join(OUTPUT_DIR, 'page-load.json'), JSON.stringify(figures, null, 2) + '\n');
  await page.screenshot({ path: join(OUTPUT_DIR, 'dashboard-1000-epochs.png') });
  expect(rows).toBe(EPOCHS);
  expect(coldMs).toBeLessThan(10_000);
});
