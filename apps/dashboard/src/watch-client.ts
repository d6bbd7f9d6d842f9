/**
 * The dashboard's subscription to the coordinator: calls Watch, turns its
 * messages into events, and reconnects with backoff whenever the stream ends
 * (coordinator restarted, network gone, run over). Each new stream replays
 * the run, so nothing is lost across a reconnect.
 *
 * States: connecting (call made, nothing received) -> connected (first
 * message) -> disconnected (stream ended; retrying after a delay) -> ...;
 * stop() ends it for good.
 *
 * After a run's finished event the coordinator ends the stream and usually
 * exits: the client keeps retrying (a resumed run would be shown), but does
 * not log that as a problem until a stream is connected again.
 */
import * as grpc from '@grpc/grpc-js';
import { MESSAGE_SIZE_OPTIONS, kfkdProto, tokenMetadata } from '@kfkd/proto';
import type { CoordinatorClient, WatchEvent__Output } from '@kfkd/proto';
import { type BackoffOptions, backoffDelay } from '@kfkd/runtime/backoff';
import { DEFAULT_BACKOFF } from './shared/reconnect-delays.ts';
import type { DashboardEvent, LinkView } from './shared/contract.ts';
import { eventOf } from './wire.ts';

export interface WatchClientOptions {
  /** HOST:PORT of the coordinator. */
  readonly coordinator: string;
  readonly token: string;
  readonly credentials: grpc.ChannelCredentials;
  readonly onEvent: (event: DashboardEvent) => void;
  readonly backoff?: BackoffOptions;
  /** Told when the stream ends (once per distinct reason, not on every retry). */
  readonly log?: (message: string, fields: Readonly<Record<string, string | number>>) => void;
}

const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  ...MESSAGE_SIZE_OPTIONS,
  // A Watch stream is quiet between epochs; ping so a vanished coordinator is noticed.
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 20_000,
  'grpc.keepalive_permit_without_calls': 1,
};

export class WatchClient {
  private readonly client: CoordinatorClient;
  private call: grpc.ClientReadableStream<WatchEvent__Output> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private attempt = 0;
  private stopped = false;
  private lastLogged = '';
  /** The last stream delivered its run's end: the coordinator going away is expected. */
  private runOver = false;

  constructor(private readonly options: WatchClientOptions) {
    const Client = kfkdProto().kfkd.v1.Coordinator;
    this.client = new Client(options.coordinator, options.credentials, CHANNEL_OPTIONS);
  }

  start(): void {
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.call?.cancel();
    this.client.close();
  }

  private connect(): void {
    if (this.stopped) return;
    this.link('connecting', '');
    const call = this.client.Watch({}, tokenMetadata(this.options.token));
    this.call = call;
    let connected = false;
    call.on('data', (message: WatchEvent__Output) => {
      if (!connected) {
        connected = true;
        this.lastLogged = '';
        this.runOver = false;
        this.link('connected', '');
      }
      const event = eventOf(message);
      if (!event) return;
      if (event.kind === 'finished') this.runOver = true;
      // A full replay means the link is healthy again: start the backoff over.
      if (event.kind === 'replay-done') this.attempt = 0;
      this.options.onEvent(event);
    });
    let ended = false;
    const end = (detail: string): void => {
      if (ended || this.stopped) return;
      ended = true;
      this.call = null;
      const delay = backoffDelay(this.attempt++, this.options.backoff ?? DEFAULT_BACKOFF);
      this.link('disconnected', `${detail}; retrying in ${(delay / 1000).toFixed(1)} s`);
      if (!this.runOver && detail !== this.lastLogged) this.options.log?.('watch stream ended; reconnecting with backoff', { coordinator: this.options.coordinator, detail });
      this.lastLogged = detail;
      this.timer = setTimeout(() => this.connect(), delay);
    };
    call.on('error', (error: grpc.ServiceError) => end(`${grpc.status[error.code] ?? error.code}: ${error.details}`));
    call.on('end', () => end('the coordinator ended the stream'));
  }

  private link(status: LinkView['status'], detail: string): void {
    this.options.onEvent({ kind: 'link', link: { status, coordinator: this.options.coordinator, detail, sinceMs: Date.now() } });
  }
}
