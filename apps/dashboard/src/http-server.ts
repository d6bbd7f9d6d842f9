/**
 * The dashboard's HTTP side: the page's three files and a WebSocket that
 * sends the whole state on connect, then every event. Read-only: GET and
 * HEAD only (but the sign-in form's POST), and messages from pages are
 * ignored. Each page is isolated: one that cannot keep up is disconnected
 * (it reconnects and gets the state anew) instead of buffering without bound.
 * Every request must name the dashboard in its Host header and WebSockets
 * must come from the dashboard's own page (host-check.ts); with a Login,
 * everything but the form and /healthz needs a signed-in viewer (login.ts).
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { Asset } from './assets.ts';
import { HostPolicy } from './host-check.ts';
import { LOGIN_PATH, type Login } from './login.ts';
import { type DashboardState, type ServerMessage, SOCKET_PATH } from './shared/contract.ts';

/** A page further behind than this is dropped. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

export interface PageServerOptions {
  readonly assets: ReadonlyMap<string, Asset>;
  readonly state: () => DashboardState;
  /** Host names besides the bound address (and loopback names on a loopback or wildcard bind): a proxy's or ingress's. */
  readonly allowedHosts?: readonly string[];
  /** Sign-in required for the page and the socket; absent: whoever reaches the address (and names it) sees the run. */
  readonly login?: Login;
}

/** On every response: never inside another site's frame (the form included), no Referer to other sites. */
const SECURITY_HEADERS = {
  'x-frame-options': 'DENY',
  'content-security-policy': "frame-ancestors 'none'",
  // Not no-referrer: Chromium then sends 'Origin: null' with the sign-in form, which the Origin check refuses.
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
} as const;

export class PageServer {
  private readonly http: Server;
  private readonly sockets = new WebSocketServer({ noServer: true, perMessageDeflate: { threshold: 1024 } });
  /** Set by listen(): which names the bound address answers to. */
  private hosts = new HostPolicy('127.0.0.1', []);

  constructor(private readonly options: PageServerOptions) {
    this.http = createServer((req, res) => this.serve(req, res));
    this.http.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
  }

  /** Binds host:port (port 0 picks one); resolves with the bound port. */
  listen(host: string, port: number): Promise<number> {
    this.hosts = new HostPolicy(host, this.options.allowedHosts ?? []);
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, () => {
        this.http.off('error', reject);
        const address = this.http.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  /** Sends an event's message to every page. */
  broadcast(message: ServerMessage): void {
    const text = JSON.stringify(message);
    for (const client of this.sockets.clients) {
      if (client.readyState !== WebSocket.OPEN) continue;
      if (client.bufferedAmount > MAX_BUFFERED_BYTES) client.terminate();
      else client.send(text);
    }
  }

  get pageCount(): number {
    return this.sockets.clients.size;
  }

  close(): Promise<void> {
    for (const client of this.sockets.clients) client.terminate();
    this.sockets.close();
    this.http.closeAllConnections();
    return new Promise((resolve) => this.http.close(() => resolve()));
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const login = this.options.login;
    if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (!this.hosts.hostAllowed(req.headers.host)) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end(UNKNOWN_HOST);
      return;
    }
    if (path === LOGIN_PATH && login?.hasForm && req.method === 'POST') {
      // A form posted from another site's page (login CSRF) is refused like a foreign WebSocket.
      if (!this.hosts.originAllowed(req.headers.origin, req.headers.host)) {
        res.writeHead(403, { 'content-type': 'text/plain' }).end(FOREIGN_ORIGIN);
        return;
      }
      login.submit(req, res).catch(() => res.destroy());
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('read-only\n');
      return;
    }
    if (path === LOGIN_PATH && !login?.hasForm) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (login && path !== LOGIN_PATH && !login.signedIn(req)) {
      if (login.hasForm && path === '/') res.writeHead(303, { location: LOGIN_PATH, 'cache-control': 'no-store' }).end();
      else res.writeHead(401, { 'content-type': 'text/plain' }).end(login.hasForm ? `sign in at ${LOGIN_PATH}\n` : 'sign in through the proxy\n');
      return;
    }
    const asset = this.options.assets.get(path);
    if (!asset) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, { etag: asset.etag }).end();
      return;
    }
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? asset.gzipped : asset.body;
    res.writeHead(200, {
      'content-type': asset.contentType,
      'content-length': body.length,
      etag: asset.etag,
      'cache-control': 'no-cache',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== SOCKET_PATH) return refuseUpgrade(socket, '404 Not Found', 'not found\n');
    if (!this.hosts.hostAllowed(req.headers.host)) return refuseUpgrade(socket, '403 Forbidden', UNKNOWN_HOST);
    // Browsers let any page open a WebSocket anywhere; only the dashboard's own page may read this one.
    if (!this.hosts.originAllowed(req.headers.origin, req.headers.host)) return refuseUpgrade(socket, '403 Forbidden', FOREIGN_ORIGIN);
    if (this.options.login && !this.options.login.signedIn(req)) return refuseUpgrade(socket, '401 Unauthorized', 'sign in first\n');
    this.sockets.handleUpgrade(req, socket, head, (client) => {
      const hello: ServerMessage = { type: 'state', state: this.options.state() };
      client.send(JSON.stringify(hello));
      // Read-only: anything a page sends is ignored.
      client.on('message', () => undefined);
    });
  }
}

const UNKNOWN_HOST = 'unknown host name: open the dashboard by its address, or start it with --allowed-host NAME\n';
const FOREIGN_ORIGIN = "refused: the request comes from another site's page\n";

function refuseUpgrade(socket: Duplex, status: string, body: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}
