/** Watch backpressure: what a viewer whose stream does or does not drain gets, with a fake stream. */
import type { WatchEvent } from '@kfkd/proto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WatchJournal } from './watch-journal.ts';
import { type ViewerDrop, type ViewerLimits, type ViewerSink, WatchViewers } from './watch-viewers.ts';

const run = { net: 'net1', data: 'd.csv', trainRows: 1, validRows: 1, batchSize: 1, maxEpochs: 100, stepsPerEpoch: 1, parameterCount: 1, flip: false, startedAtMs: 0 };
const record = (epoch: number) => ({ epoch, trainLoss: 0.1, validLoss: 0.2, trainValidRatio: 0.5, validRmsePx: 21.5, learningRate: 0.01, momentum: 0.9, seconds: 1 });
const LIMITS: ViewerLimits = { maxViewers: 2, maxBehindEvents: 3, maxBehindBytes: 1 << 20, closeGraceMs: 1000 };

/** A stream whose buffer takes `room` events before write() says false; drain() empties it. */
class FakeSink implements ViewerSink {
  readonly written: WatchEvent[] = [];
  room = Infinity;
  ended = false;
  dropped: string | null = null;
  severed = false;
  private drainListener = (): void => undefined;
  private closeListener = (): void => undefined;
  write(event: WatchEvent): boolean {
    this.written.push(event);
    return --this.room > 0;
  }
  onDrain(listener: () => void): void {
    this.drainListener = listener;
  }
  onClose(listener: () => void): void {
    this.closeListener = listener;
  }
  end(): void {
    this.ended = true;
  }
  drop(detail: string): void {
    this.dropped = detail;
  }
  sever(): void {
    this.severed = true;
  }
  drain(room: number): void {
    this.room = room;
    this.drainListener();
  }
  close(): void {
    this.closeListener();
  }
}

function setup(): { journal: WatchJournal; viewers: WatchViewers; drops: ViewerDrop[] } {
  const journal = new WatchJournal({ run, hyperparameters: () => ({ learningRate: 0.01, momentum: 0.9 }) });
  const drops: ViewerDrop[] = [];
  return { journal, viewers: new WatchViewers(journal, LIMITS, { viewerDropped: (reason) => drops.push(reason) }), drops };
}

const epochs = (sink: FakeSink): number[] => sink.written.filter((e) => e.epoch).map((e) => e.epoch!.epoch!);

afterEach(() => {
  vi.useRealTimers();
});

describe('watch viewers', () => {
  it('stream the replay, then live events, and end after the finished event', () => {
    const { journal, viewers } = setup();
    journal.epoch(record(1));
    const sink = new FakeSink();
    expect(viewers.open(sink)).toBe(true);
    journal.epoch(record(2));
    journal.finish('completed');
    expect(epochs(sink)).toEqual([1, 2]);
    expect(sink.written.at(-1)!.finished).toBeDefined();
    expect(sink.ended).toBe(true);
  });

  it('stop writing to a stream that does not drain, and send what waited, in order, once it drains', () => {
    const { journal, viewers, drops } = setup();
    const sink = new FakeSink();
    viewers.open(sink);
    sink.room = 1;
    journal.epoch(record(1));
    journal.epoch(record(2));
    journal.epoch(record(3));
    expect(epochs(sink)).toEqual([1]);
    sink.drain(Infinity);
    expect(epochs(sink)).toEqual([1, 2, 3]);
    journal.epoch(record(4));
    expect(epochs(sink)).toEqual([1, 2, 3, 4]);
    expect(drops).toEqual([]);
  });

  it('drop a viewer that falls too far behind, count it, and sever its stream if it does not close', () => {
    vi.useFakeTimers();
    const { journal, viewers, drops } = setup();
    const sink = new FakeSink();
    viewers.open(sink);
    sink.room = 1;
    for (let epoch = 1; epoch <= 10; epoch++) journal.epoch(record(epoch));
    expect(drops).toEqual(['slow']);
    expect(sink.dropped).toMatch(/fell more than 3 events .* behind .*reconnect/);
    expect(epochs(sink)).toEqual([1]);
    sink.drain(Infinity);
    expect(epochs(sink)).toEqual([1]);
    expect(sink.severed).toBe(false);
    vi.advanceTimersByTime(LIMITS.closeGraceMs);
    expect(sink.severed).toBe(true);
  });

  it('drop a viewer on the bytes it has waiting too (sample predictions are big)', () => {
    const { journal, viewers, drops } = setup();
    const sink = new FakeSink();
    viewers.open(sink);
    sink.room = 1;
    const face = { pixels: new Uint8Array(600_000), predicted: new Float32Array(30), truth: new Float32Array(30) };
    journal.predictions(1, [face]);
    journal.predictions(2, [face]);
    expect(drops).toEqual([]);
    journal.predictions(3, [face]);
    expect(drops).toEqual(['slow']);
  });

  it('refuse viewers over the cap, counted, and take new ones once others have closed', () => {
    const { viewers, drops } = setup();
    const sinks = [new FakeSink(), new FakeSink()];
    for (const sink of sinks) expect(viewers.open(sink)).toBe(true);
    const third = new FakeSink();
    expect(viewers.open(third)).toBe(false);
    expect(third.written).toEqual([]);
    expect(drops).toEqual(['too-many-viewers']);
    sinks[0].close();
    expect(viewers.count).toBe(1);
    expect(viewers.open(third)).toBe(true);
  });
});
