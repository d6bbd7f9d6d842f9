/**
 * Signing in from a real browser (headless Chromium): the page sends a
 * viewer without a session to the form, a wrong token is refused on the
 * form, and the right one leads to the page, whose WebSocket the session
 * cookie opens (the table fills with the run's epochs).
 */
import * as grpc from '@grpc/grpc-js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { launchChromium } from './testing/chromium.ts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Dashboard } from './dashboard.ts';
import { type FakeCoordinator, fakeRun, startFakeCoordinator } from './testing/fake-coordinator.ts';

const TOKEN = 'viewer-token-for-the-browser';
let coordinator: FakeCoordinator;
let dashboard: Dashboard;
let url: string;
let dir: string;
let browser: BrowserContext;

beforeAll(async () => {
  coordinator = await startFakeCoordinator(TOKEN, fakeRun(5));
  dashboard = new Dashboard({ coordinator: coordinator.address, token: TOKEN, credentials: grpc.credentials.createInsecure(), host: '127.0.0.1', port: 0, access: { login: true } });
  url = await dashboard.start();
  dir = await mkdtemp(join(tmpdir(), 'kfkd-login-'));
  browser = await launchChromium(join(dir, 'profile'));
});

afterAll(async () => {
  await browser?.close();
  await dashboard?.stop();
  await coordinator?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('signs in through the form, then shows the run over the WebSocket', async () => {
  const page = browser.pages()[0] ?? (await browser.newPage());
  await page.goto(url);
  expect(new URL(page.url()).pathname).toBe('/login');
  await page.fill('#token', 'wrong');
  await Promise.all([page.waitForLoadState(), page.click('button[type=submit]')]);
  await expect(page.textContent('#message')).resolves.toMatch(/not the viewer token/);
  await page.fill('#token', TOKEN);
  await Promise.all([page.waitForURL(url), page.click('button[type=submit]')]);
  await page.waitForSelector('#epochs tbody tr[data-epoch="5"]', { timeout: 30_000 });
  const cookies = await browser.cookies(url);
  expect(cookies).toEqual([expect.objectContaining({ name: 'kfkd_session', httpOnly: true, sameSite: 'Strict' })]);
});
