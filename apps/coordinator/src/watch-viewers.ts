/**
 * The Watch streams of the dashboards, with backpressure: a viewer gets the
 * journal's replay, then live events while its stream drains. Once a write
 * is not taken (the stream's buffer is full), live events wait in a queue of
 * the viewer; a viewer that falls more than `maxBehindEvents` events or
 * `maxBehindBytes` behind is dropped (it reconnects and replays the run:
 * apps/dashboard/src/watch-client.ts), so a stalled dashboard costs a
 * bounded amount of memory. At most `maxViewers` watch at once.
 *
 * Knows nothing of gRPC: service.ts adapts a Watch call to a ViewerSink.
 */
import type { WatchEvent } from '@kfkd/proto';
import type { WatchSource } from './watch-journal.ts';

export interface ViewerLimits {
  /** Viewers watching at once; more are refused. */
  readonly maxViewers: number;
  /** Live events a viewer may have waiting before it is dropped. */
  readonly maxBehindEvents: number;
  /** Bytes (approximate, see approximateBytes) a viewer may have waiting before it is dropped. */
  readonly maxBehindBytes: number;
  /** A dropped viewer whose stream has not closed after this long is severed (sink.sever()). */
  readonly closeGraceMs: number;
}

export const DEFAULT_VIEWER_LIMITS: ViewerLimits = {
  // The coordinator's Watch has one stream per dashboard process (which fans
  // out to browsers itself) and the odd command-line watcher.
  maxViewers: 16,
  // A healthy viewer drains within milliseconds. Live events come at about
  // 4 steps/s plus one status per worker per second: 4096 events is some
  // 30 s of a 120-worker run, far more with fewer workers.
  maxBehindEvents: 4096,
  // About 25 sets of sample predictions (150 KB each, every 5 epochs) or
  // thousands of small events: 16 viewers stalled at once hold at most 64 MiB.
  maxBehindBytes: 4 * 1024 * 1024,
  // Time for the stream to deliver the drop's status to a client that reads
  // again; a client that does not read keeps its buffers until severed.
  closeGraceMs: 5000,
};

export type ViewerDrop = 'slow' | 'too-many-viewers';
export const VIEWER_DROPS = ['slow', 'too-many-viewers'] as const satisfies readonly ViewerDrop[];

/** One viewer's stream. */
export interface ViewerSink {
  /** Queues the event for sending; false when the stream's buffer is full (wait for onDrain). */
  write(event: WatchEvent): boolean;
  onDrain(listener: () => void): void;
  /** Called once when the stream closes (ended, cancelled, failed). */
  onClose(listener: () => void): void;
  /** Ends the stream normally (after the run's finished event). */
  end(): void;
  /** Ends the stream with an error saying why. */
  drop(detail: string): void;
  /** Releases the stream and what it buffers at once (its client did not take the drop). */
  sever(): void;
}

export interface ViewerObserver {
  viewerDropped(reason: ViewerDrop): void;
}

export class WatchViewers {
  private viewers = 0;

  constructor(
    private readonly journal: WatchSource,
    private readonly limits: ViewerLimits = DEFAULT_VIEWER_LIMITS,
    private readonly observer?: ViewerObserver,
  ) {}

  /** Viewers watching now. */
  get count(): number {
    return this.viewers;
  }

  /** Starts streaming the journal to `sink`; false (nothing sent) when too many viewers watch already. */
  open(sink: ViewerSink): boolean {
    if (this.viewers >= this.limits.maxViewers) {
      this.observer?.viewerDropped('too-many-viewers');
      return false;
    }
    this.viewers++;
    const viewer = new Viewer(sink, this.limits, () => this.observer?.viewerDropped('slow'));
    let unsubscribe = (): void => undefined;
    sink.onClose(() => {
      this.viewers--;
      viewer.closed();
      unsubscribe();
    });
    // The replay is written whole: it is bounded by the journal (which holds it anyway).
    for (const event of this.journal.replay()) viewer.send(event, true);
    if (!this.journal.finished && !viewer.done) unsubscribe = this.journal.subscribe((event) => viewer.send(event, false));
    return true;
  }
}

class Viewer {
  private readonly waiting: WatchEvent[] = [];
  private waitingBytes = 0;
  private stalled = false;
  private severTimer: NodeJS.Timeout | null = null;
  done = false;

  constructor(
    private readonly sink: ViewerSink,
    private readonly limits: ViewerLimits,
    private readonly onDropped: () => void,
  ) {
    sink.onDrain(() => this.drained());
  }

  send(event: WatchEvent, replay: boolean): void {
    if (this.done) return;
    if (!this.stalled || replay) return this.write(event);
    this.waiting.push(event);
    this.waitingBytes += approximateBytes(event);
    if (this.waiting.length > this.limits.maxBehindEvents || this.waitingBytes > this.limits.maxBehindBytes) this.drop();
  }

  closed(): void {
    this.done = true;
    this.waiting.length = 0;
    if (this.severTimer) clearTimeout(this.severTimer);
  }

  private write(event: WatchEvent): void {
    if (!this.sink.write(event)) this.stalled = true;
    // A job's end (named) is one job of a pool; the stream ends with the run's or the pool's.
    if (event.finished && !event.job) {
      this.done = true;
      this.sink.end();
    }
  }

  private drained(): void {
    this.stalled = false;
    while (!this.stalled && !this.done && this.waiting.length > 0) {
      const event = this.waiting.shift()!;
      this.waitingBytes -= approximateBytes(event);
      this.write(event);
    }
  }

  private drop(): void {
    this.done = true;
    this.waiting.length = 0;
    this.waitingBytes = 0;
    this.onDropped();
    this.sink.drop(
      `this viewer fell more than ${this.limits.maxBehindEvents} events or ${this.limits.maxBehindBytes} bytes behind the run and was disconnected; reconnect to replay the run`,
    );
    this.severTimer = setTimeout(() => this.sink.sever(), this.limits.closeGraceMs);
    this.severTimer.unref();
  }
}

/** What an event costs in memory, roughly: its byte fields (sample predictions) plus a constant for the rest. */
export function approximateBytes(event: WatchEvent): number {
  let bytes = 256;
  for (const face of event.predictions?.faces ?? []) bytes += byteLength(face.pixels) + byteLength(face.predicted) + byteLength(face.truth);
  return bytes;
}

function byteLength(value: Uint8Array | string | undefined): number {
  return value === undefined ? 0 : typeof value === 'string' ? value.length : value.byteLength;
}
