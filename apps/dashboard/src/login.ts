/**
 * Signing in to the dashboard: a form that takes the viewer token (the token
 * the dashboard itself watches the coordinator with) and answers with a
 * session cookie, or a header set by an authenticating reverse proxy.
 *
 * - Tokens are compared in constant time (both sides hashed first, so their
 *   lengths do not show either).
 * - Sessions are random 256-bit ids held in memory (a restart signs everyone
 *   out), HttpOnly and SameSite=Strict, Secure when asked or when a TLS
 *   proxy says the page is https; they expire, and there is a cap on them.
 * - Failed attempts are limited per client address; past the limit even the
 *   right token gets 429 until the window has passed.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const SESSION_COOKIE = 'kfkd_session';
export const LOGIN_PATH = '/login';
const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
const MAX_SESSIONS = 10_000;
/** Failed attempts allowed per client address in FAILURE_WINDOW_MS. */
export const MAX_FAILURES = 5;
const FAILURE_WINDOW_MS = 60_000;
const MAX_TRACKED_CLIENTS = 10_000;
const MAX_FORM_BYTES = 4096;

export interface LoginOptions {
  /** The token a viewer must type; null: no form (only the proxy header, if any, signs in). */
  readonly token: string | null;
  /** A request header an authenticating proxy sets (e.g. X-Forwarded-User); non-empty = signed in. */
  readonly trustProxyHeader?: string;
  /** Always mark the cookie Secure (the page is served over https by a proxy). */
  readonly cookieSecure?: boolean;
  /** The form's HTML; an element with id="message" receives the refusal's text. */
  readonly formHtml: Buffer;
  readonly now?: () => number;
}

export class Login {
  private readonly sessions = new Map<string, number>();
  private readonly failures = new Map<string, { count: number; windowEndsMs: number }>();
  private readonly tokenHash: Buffer | null;
  private readonly proxyHeader: string | null;
  private readonly now: () => number;

  constructor(private readonly options: LoginOptions) {
    this.tokenHash = options.token === null ? null : sha256(options.token);
    this.proxyHeader = options.trustProxyHeader ? options.trustProxyHeader.toLowerCase() : null;
    this.now = options.now ?? Date.now;
  }

  /** Whether the request comes from a signed-in viewer (a live session cookie, or the trusted proxy's header). */
  signedIn(req: IncomingMessage): boolean {
    if (this.proxyHeader !== null) {
      const who = req.headers[this.proxyHeader];
      if (typeof who === 'string' && who.trim() !== '') return true;
    }
    const id = cookie(req.headers.cookie, SESSION_COOKIE);
    if (id === null) return false;
    const expires = this.sessions.get(id);
    if (expires === undefined) return false;
    if (expires > this.now()) return true;
    this.sessions.delete(id);
    return false;
  }

  /** Whether there is a form to send unsigned-in viewers to. */
  get hasForm(): boolean {
    return this.tokenHash !== null;
  }

  /** POST /login: the form's token. Redirects to the page with a cookie, or shows the form again with 401 (429 past the limit). */
  async submit(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const client = req.socket.remoteAddress ?? 'unknown';
    const body = await readForm(req);
    if (body === null) return this.refuse(res, 413, 'The form was too large.');
    if (this.tooManyFailures(client)) {
      res.setHeader('retry-after', String(Math.ceil(FAILURE_WINDOW_MS / 1000)));
      return this.refuse(res, 429, 'Too many wrong tokens from this address; wait a minute and try again.');
    }
    const token = new URLSearchParams(body).get('token')?.trim() ?? '';
    if (this.tokenHash === null || !timingSafeEqual(sha256(token), this.tokenHash)) {
      this.countFailure(client);
      return this.refuse(res, 401, 'That is not the viewer token.');
    }
    this.failures.delete(client);
    const id = this.openSession();
    const secure = this.options.cookieSecure || req.headers['x-forwarded-proto'] === 'https';
    res
      .writeHead(303, {
        location: '/',
        'set-cookie': `${SESSION_COOKIE}=${id}; Path=/; Max-Age=${SESSION_TTL_MS / 1000}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`,
        'cache-control': 'no-store',
      })
      .end();
  }

  private openSession(): string {
    const now = this.now();
    for (const [id, expires] of this.sessions) if (expires <= now) this.sessions.delete(id);
    // The oldest go first when the cap is reached (Map keeps insertion order).
    while (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    const id = randomBytes(32).toString('base64url');
    this.sessions.set(id, now + SESSION_TTL_MS);
    return id;
  }

  private tooManyFailures(client: string): boolean {
    const entry = this.failures.get(client);
    if (!entry) return false;
    if (entry.windowEndsMs <= this.now()) {
      this.failures.delete(client);
      return false;
    }
    return entry.count >= MAX_FAILURES;
  }

  private countFailure(client: string): void {
    const now = this.now();
    const entry = this.failures.get(client);
    if (entry && entry.windowEndsMs > now) {
      entry.count++;
      return;
    }
    if (this.failures.size >= MAX_TRACKED_CLIENTS) {
      for (const [key, e] of this.failures) if (e.windowEndsMs <= now) this.failures.delete(key);
      while (this.failures.size >= MAX_TRACKED_CLIENTS) this.failures.delete(this.failures.keys().next().value!);
    }
    this.failures.set(client, { count: 1, windowEndsMs: now + FAILURE_WINDOW_MS });
  }

  private refuse(res: ServerResponse, status: number, message: string): void {
    const html = this.options.formHtml.toString('utf8').replace('<p id="message" hidden></p>', `<p id="message" role="alert">${message}</p>`);
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html);
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** The value of one cookie in a Cookie header; null when absent. */
function cookie(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** The request body as text, or null past MAX_FORM_BYTES (the rest is not read). */
function readForm(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_FORM_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
