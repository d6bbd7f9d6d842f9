/**
 * `kfkd dashboard`'s exposure flags, through the real command: a bind
 * beyond loopback needs a sign-in (or an explicit --public, which warns), and
 * --login makes the page take the dashboard's own token. No coordinator is
 * needed: the dashboard serves its page and keeps retrying the Watch stream.
 */
import { expect, it } from 'vitest';
import { TEST_TOKEN, startKfkd } from '../testing/cluster.ts';
import { expectOneLineError, kfkdWithEnv } from '../testing/kfkd-process.ts';

// Nothing listens on port 1: the dashboard just keeps reconnecting.
const NO_COORDINATOR = ['--coordinator', '127.0.0.1:1'];

it('refuses to bind beyond loopback without --login, --trust-proxy-header or --public', async () => {
  const result = await kfkdWithEnv({ KFKD_TOKEN: TEST_TOKEN }, 'dashboard', ...NO_COORDINATOR, '--listen', '0.0.0.0:0');
  expectOneLineError(result, /--listen 0\.0\.0\.0:0 is beyond loopback: add --login .*--trust-proxy-header NAME .*--public/);
});

it('binds beyond loopback with --public, and warns', async () => {
  const dashboard = startKfkd(['dashboard', ...NO_COORDINATOR, '--listen', '0.0.0.0:0', '--public']);
  try {
    await dashboard.waitFor(/--public: anyone who can reach the dashboard sees the run/);
    const port = (await dashboard.waitFor(/serving http:\/\/127\.0\.0\.1:(\d+)\//))[1];
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
  } finally {
    dashboard.kill('SIGKILL');
  }
});

it('with --login, the page takes the token the dashboard watches with, and a wrong one is refused', async () => {
  const dashboard = startKfkd(['dashboard', ...NO_COORDINATOR, '--listen', '0.0.0.0:0', '--login']);
  try {
    const base = `http://127.0.0.1:${(await dashboard.waitFor(/serving http:\/\/127\.0\.0\.1:(\d+)\//))[1]}`;
    expect(dashboard.stderr.join('\n')).not.toMatch(/--public/);
    const first = await fetch(`${base}/`, { redirect: 'manual' });
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/login');
    const post = (token: string) =>
      fetch(`${base}/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base }, body: new URLSearchParams({ token }).toString() });
    const wrong = await post('wrong-token');
    expect(wrong.status).toBe(401);
    const right = await post(TEST_TOKEN);
    expect(right.status).toBe(303);
    const cookie = (right.headers.get('set-cookie') ?? '').split(';')[0];
    expect(cookie).toMatch(/^kfkd_session=/);
    const page = await fetch(`${base}/`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>kfkd dashboard</title>');
  } finally {
    dashboard.kill('SIGKILL');
  }
});

it('--allowed-host takes a comma-separated list and repeats', async () => {
  const dashboard = startKfkd(['dashboard', ...NO_COORDINATOR, '--listen', '127.0.0.1:0', '--allowed-host', 'a.example.org,b.example.org', '--allowed-host', 'c.example.org']);
  try {
    const port = Number((await dashboard.waitFor(/serving http:\/\/127\.0\.0\.1:(\d+)\//))[1]);
    const { request } = await import('node:http');
    const status = (host: string) =>
      new Promise<number>((resolve, reject) => request({ host: '127.0.0.1', port, path: '/', headers: { host } }, (res) => (res.resume(), resolve(res.statusCode ?? 0))).on('error', reject).end());
    expect(await status('a.example.org')).toBe(200);
    expect(await status('b.example.org')).toBe(200);
    expect(await status('c.example.org')).toBe(200);
    expect(await status('d.example.org')).toBe(403);
  } finally {
    dashboard.kill('SIGKILL');
  }
});
