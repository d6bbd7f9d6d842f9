/**
 * The dashboard's HTTP side: the page's three files and a WebSocket that
 * sends the whole state on connect, then every event. Read-only: GET and
 * HEAD only, and messages from pages are ignored. Each page is isolated: one
 * that cannot keep up is disconnected (it reconnects and gets the state anew)
 * instead of buffering without bound.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { Asset } from './assets.ts';
import { type DashboardState, type ServerMessage, SOCKET_PATH } from './shared/contract.ts';

/** A page further behind than this is dropped. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

export interface PageServerOptions {
  readonly assets: ReadonlyMap<string, Asset>;
  readonly state: () => DashboardState;
}

export class PageServer {
  private readonly http: Server;
  private readonly sockets = new WebSocketServer({ noServer: true, perMessageDeflate: { threshold: 1024 } });

  constructor(private readonly options: PageServerOptions) {
    this.http = createServer((req, res) => this.serve(req, res));
    this.http.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
  }

  /** Binds host:port (port 0 picks one); resolves with the bound port. */
  listen(host: string, port: number): Promise<number> {
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
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('read-only\n');
      return;
    }
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
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
      'x-content-type-options': 'nosniff',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== SOCKET_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    this.sockets.handleUpgrade(req, socket, head, (client) => {
      const hello: ServerMessage = { type: 'state', state: this.options.state() };
      client.send(JSON.stringify(hello));
      // Read-only: anything a page sends is ignored.
      client.on('message', () => undefined);
    });
  }
}
