/**
 * Who can read the dashboard, over real HTTP and WebSockets (the `ws`
 * client, which lets a test send the Host and Origin headers a browser
 * would send from another site's page or after DNS rebinding):
 * - without sign-in, on a loopback bind: only requests naming the dashboard
 *   (its address, localhost, --allowed-host) are served, and the socket only
 *   to the dashboard's own page;
 * - with --login: a form, a wrong token refused (and rate-limited), the right
 *   one giving a session cookie that opens the page and the socket;
 * - with --trust-proxy-header: the proxy's header instead of the form.
 */
import * as grpc from '@grpc/grpc-js';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Dashboard, type DashboardAccess } from './dashboard.ts';
import { MAX_FAILURES, SESSION_COOKIE } from './login.ts';
import { SOCKET_PATH, type ServerMessage } from './shared/contract.ts';
import { type FakeCoordinator, fakeRun, startFakeCoordinator } from './testing/fake-coordinator.ts';

const TOKEN = 'viewer-token-for-access-tests';
let coordinator: FakeCoordinator;
const dashboards: Dashboard[] = [];

beforeAll(async () => {
  coordinator = await startFakeCoordinator(TOKEN, fakeRun(3));
});

afterAll(async () => {
  await Promise.all(dashboards.map((d) => d.stop()));
  await coordinator?.stop();
});

/** A dashboard on 127.0.0.1 (any port); resolves with its port. */
async function startDashboard(access?: DashboardAccess): Promise<number> {
  const dashboard = new Dashboard({ coordinator: coordinator.address, token: TOKEN, credentials: grpc.credentials.createInsecure(), host: '127.0.0.1', port: 0, access });
  dashboards.push(dashboard);
  return Number(new URL(await dashboard.start()).port);
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request to 127.0.0.1:port, with the headers given (Host included) and nothing else. */
function http(port: number, path: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function postToken(port: number, token: string, headers: Record<string, string> = {}): Promise<Reply> {
  const body = new URLSearchParams({ token }).toString();
  return http(port, '/login', { 'content-type': 'application/x-www-form-urlencoded', origin: `http://127.0.0.1:${port}`, ...headers }, 'POST', body);
}

type SocketOutcome = { opened: true; first: ServerMessage } | { opened: false; status: number };

/** Opens /ws with a browser's headers (Origin, Host, Cookie) and waits for the first message or the refusal. */
function openSocket(port: number, headers: { origin?: string; host?: string; cookie?: string } = {}): Promise<SocketOutcome> {
  const { origin = `http://127.0.0.1:${port}`, host = `127.0.0.1:${port}`, cookie } = headers;
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}${SOCKET_PATH}`, { origin, headers: { host, ...(cookie ? { cookie } : {}) } });
    socket.once('message', (data: Buffer) => {
      resolve({ opened: true, first: JSON.parse(data.toString()) as ServerMessage });
      socket.close();
    });
    socket.once('unexpected-response', (_req, res) => {
      resolve({ opened: false, status: res.statusCode ?? 0 });
      res.resume();
      socket.terminate();
    });
    socket.once('error', (error) => reject(error));
  });
}

describe('on a loopback bind, without sign-in', () => {
  let port: number;
  beforeAll(async () => {
    port = await startDashboard();
  });

  it('serves the page and its socket to its own address and to localhost', async () => {
    expect((await http(port, '/')).status).toBe(200);
    expect((await http(port, '/', { host: `localhost:${port}` })).status).toBe(200);
    expect(await openSocket(port)).toMatchObject({ opened: true, first: { type: 'state' } });
    expect(await openSocket(port, { origin: `http://localhost:${port}`, host: `localhost:${port}` })).toMatchObject({ opened: true });
  });

  it("refuses the socket to another site's page (a foreign Origin)", async () => {
    expect(await openSocket(port, { origin: 'https://evil.example' })).toEqual({ opened: false, status: 403 });
    expect(await openSocket(port, { origin: 'null' })).toEqual({ opened: false, status: 403 });
    // Same host, other port: another origin too.
    expect(await openSocket(port, { origin: `http://127.0.0.1:${port + 1}` })).toEqual({ opened: false, status: 403 });
  });

  it('refuses a rebound host name (DNS rebinding) on the page, its files and the socket', async () => {
    const host = `rebind.evil.example:${port}`;
    const page = await http(port, '/', { host });
    expect(page.status).toBe(403);
    expect(page.body).not.toContain('kfkd dashboard');
    expect((await http(port, '/app.js', { host })).status).toBe(403);
    // The rebound page is same-origin with its own name, so its Origin matches its Host.
    expect(await openSocket(port, { host, origin: `http://${host}` })).toEqual({ opened: false, status: 403 });
    // Probes still get their answer.
    expect((await http(port, '/healthz', { host })).status).toBe(200);
  });

  it('keeps other sites from framing the page', async () => {
    const page = await http(port, '/');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['content-security-policy']).toBe("frame-ancestors 'none'");
  });
});

it('serves the host names given with --allowed-host (a proxy or ingress)', async () => {
  const port = await startDashboard({ allowedHosts: ['kfkd.example.org'] });
  expect((await http(port, '/', { host: 'kfkd.example.org' })).status).toBe(200);
  expect(await openSocket(port, { host: 'kfkd.example.org', origin: 'https://kfkd.example.org' })).toMatchObject({ opened: true });
  expect((await http(port, '/', { host: 'other.example.org' })).status).toBe(403);
});

describe('with --login', () => {
  let port: number;
  beforeAll(async () => {
    port = await startDashboard({ login: true });
  });

  it('sends a viewer without a session to the form, and refuses the files and the socket', async () => {
    const page = await http(port, '/');
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/login');
    expect((await http(port, '/app.js')).status).toBe(401);
    expect(await openSocket(port)).toEqual({ opened: false, status: 401 });
    const form = await http(port, '/login');
    expect(form.status).toBe(200);
    expect(form.body).toMatch(/<form method="post" action="\/login">/);
  });

  it('refuses a wrong token: no cookie, and the form says so', async () => {
    const reply = await postToken(port, 'not-the-token');
    expect(reply.status).toBe(401);
    expect(reply.headers['set-cookie']).toBeUndefined();
    expect(reply.body).toContain('not the viewer token');
  });

  it('gives a session cookie for the right token, which opens the page and the socket', async () => {
    const reply = await postToken(port, TOKEN);
    expect(reply.status).toBe(303);
    expect(reply.headers.location).toBe('/');
    const setCookie = String(reply.headers['set-cookie']);
    expect(setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43};`));
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).not.toContain('Secure');
    const cookie = setCookie.split(';')[0];
    const page = await http(port, '/', { cookie });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>kfkd dashboard</title>');
    expect(await openSocket(port, { cookie })).toMatchObject({ opened: true, first: { type: 'state' } });
    // A session does not let another site's page in.
    expect(await openSocket(port, { cookie, origin: 'https://evil.example' })).toEqual({ opened: false, status: 403 });
    // A made-up session id is not a session.
    expect((await http(port, '/', { cookie: `${SESSION_COOKIE}=${'A'.repeat(43)}` })).status).toBe(303);
  });

  it("refuses the form posted from another site's page", async () => {
    const reply = await postToken(port, TOKEN, { origin: 'https://evil.example' });
    expect(reply.status).toBe(403);
    expect(reply.headers['set-cookie']).toBeUndefined();
  });
});

it(`limits wrong tokens: after ${MAX_FAILURES} from one address even the right one waits`, async () => {
  const port = await startDashboard({ login: true });
  for (let i = 0; i < MAX_FAILURES; i++) expect((await postToken(port, `guess-${i}`)).status).toBe(401);
  const limited = await postToken(port, TOKEN);
  expect(limited.status).toBe(429);
  expect(limited.headers['retry-after']).toBe('60');
  expect(limited.headers['set-cookie']).toBeUndefined();
});

it('marks the cookie Secure with --cookie-secure', async () => {
  const port = await startDashboard({ login: true, cookieSecure: true });
  const reply = await postToken(port, TOKEN);
  expect(String(reply.headers['set-cookie'])).toMatch(/; Secure/);
});

it('lets in requests an authenticating proxy marked with --trust-proxy-header, and only those', async () => {
  const port = await startDashboard({ trustProxyHeader: 'X-Forwarded-User' });
  expect((await http(port, '/')).status).toBe(401);
  expect((await http(port, '/login')).status).toBe(404);
  expect(await openSocket(port)).toEqual({ opened: false, status: 401 });
  expect((await http(port, '/', { 'x-forwarded-user': 'ada' })).status).toBe(200);
  const socket = await new Promise<SocketOutcome>((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${SOCKET_PATH}`, { origin: `http://127.0.0.1:${port}`, headers: { 'x-forwarded-user': 'ada' } });
    ws.once('message', (data: Buffer) => {
      resolve({ opened: true, first: JSON.parse(data.toString()) as ServerMessage });
      ws.close();
    });
    ws.once('error', reject);
  });
  expect(socket).toMatchObject({ opened: true });
});
