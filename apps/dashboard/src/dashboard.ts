/**
 * The dashboard process: the coordinator's Watch stream in, pages out. Holds
 * the state (the shared reducer) and hands every event to the pages.
 *
 * States: created -> running (start() resolved) -> stopped (stop()).
 */
import type * as grpc from '@grpc/grpc-js';
import { buildAssets } from './assets.ts';
import { PageServer } from './http-server.ts';
import { Login } from './login.ts';
import type { DashboardEvent, DashboardState } from './shared/contract.ts';
import { applyEvent, emptyState } from './shared/state.ts';
import { WatchClient } from './watch-client.ts';

export interface DashboardOptions {
  /** HOST:PORT of the coordinator. */
  readonly coordinator: string;
  /** The viewer token: the dashboard watches the coordinator with it, and viewers sign in with it (access.login). */
  readonly token: string;
  readonly credentials: grpc.ChannelCredentials;
  /** Where pages connect (default 127.0.0.1; port 0 picks one). */
  readonly host: string;
  readonly port: number;
  /** Who may see the page (default: no sign-in, host names of the bound address only). */
  readonly access?: DashboardAccess;
  readonly log?: (message: string, fields: Readonly<Record<string, string | number>>) => void;
}

/** Who may open the page and its socket (see host-check.ts and login.ts). */
export interface DashboardAccess {
  /** Host names a proxy or ingress serves the page under. */
  readonly allowedHosts?: readonly string[];
  /** Viewers sign in with the viewer token through a form, and get a session cookie. */
  readonly login?: boolean;
  /** A header an authenticating proxy sets (e.g. X-Forwarded-User); a request carrying it counts as signed in. */
  readonly trustProxyHeader?: string;
  /** Mark the session cookie Secure (the page reaches browsers over https). */
  readonly cookieSecure?: boolean;
}

export class Dashboard {
  private state: DashboardState;
  private pages: PageServer | null = null;
  private watch: WatchClient | null = null;

  constructor(private readonly options: DashboardOptions) {
    this.state = emptyState({ status: 'connecting', coordinator: options.coordinator, detail: '', sinceMs: Date.now() });
  }

  /** Builds the page, binds, subscribes; resolves with the page's URL. */
  async start(): Promise<string> {
    if (this.pages) throw new Error('start() called twice');
    const assets = await buildAssets();
    const access = this.options.access ?? {};
    const login =
      access.login || access.trustProxyHeader
        ? new Login({ token: access.login ? this.options.token : null, trustProxyHeader: access.trustProxyHeader, cookieSecure: access.cookieSecure, formHtml: assets.get('/login')!.body })
        : undefined;
    const pages = new PageServer({ assets, state: () => this.state, allowedHosts: access.allowedHosts, login });
    this.pages = pages;
    const port = await pages.listen(this.options.host, this.options.port);
    this.watch = new WatchClient({
      coordinator: this.options.coordinator,
      token: this.options.token,
      credentials: this.options.credentials,
      onEvent: (event) => this.apply(event),
      log: this.options.log,
    });
    this.watch.start();
    const host = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/`;
  }

  get current(): DashboardState {
    return this.state;
  }

  async stop(): Promise<void> {
    this.watch?.stop();
    await this.pages?.close();
  }

  private apply(event: DashboardEvent): void {
    this.state = applyEvent(this.state, event);
    this.pages?.broadcast({ type: 'event', event });
  }
}
