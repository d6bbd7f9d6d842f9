import * as grpc from '@grpc/grpc-js';
import type { WatchEvent } from '@kfkd/proto';
import { describe, expect, it } from 'vitest';
import type { DashboardEvent } from './shared/contract.ts';
import { fakeRun, startFakeCoordinator } from './testing/fake-coordinator.ts';
import { WatchClient } from './watch-client.ts';

const TOKEN = 'watch-test';
const QUICK = { initialMs: 20, maxMs: 50, jitter: 0 };

/**
 * Watches a fake coordinator serving `events`, stops the coordinator once they are in (and, after a finished
 * run, once it ended the stream), and waits for two failed reconnects.
 */
async function watchUntilGone(events: readonly WatchEvent[]): Promise<{ logged: string[]; links: string[] }> {
  const fake = await startFakeCoordinator(TOKEN, events);
  const logged: string[] = [];
  const links: string[] = [];
  let replayed = (): void => undefined;
  const replay = new Promise<void>((resolve) => (replayed = resolve));
  let failures = 0;
  let gone = (): void => undefined;
  const twoFailures = new Promise<void>((resolve) => (gone = resolve));
  const client = new WatchClient({
    coordinator: fake.address,
    token: TOKEN,
    credentials: grpc.credentials.createInsecure(),
    backoff: QUICK,
    log: (message, fields) => logged.push(`${message} ${String(fields.detail)}`),
    onEvent: (event: DashboardEvent) => {
      if (event.kind === 'replay-done' && !events.some((e) => e.finished)) replayed();
      if (event.kind !== 'link') return;
      if (/ended the stream/.test(event.link.detail)) replayed();
      links.push(`${event.link.status} ${event.link.detail}`);
      if (event.link.status === 'disconnected' && /UNAVAILABLE/.test(event.link.detail) && ++failures === 2) gone();
    },
  });
  client.start();
  try {
    await replay;
    await fake.stop();
    await twoFailures;
  } finally {
    client.stop();
  }
  return { logged, links };
}

describe('WatchClient', () => {
  it('logs a coordinator that goes away during a run', async () => {
    const { logged } = await watchUntilGone(fakeRun(3));
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.every((line) => line.startsWith('watch stream ended; reconnecting with backoff'))).toBe(true);
  });

  it('keeps retrying, without logging a problem, after the run finished and its coordinator exited', async () => {
    const { logged, links } = await watchUntilGone([...fakeRun(3), { timeMs: Date.now(), finished: { reason: 'training is over' } }]);
    expect(links).toContain('disconnected the coordinator ended the stream; retrying in 0.0 s');
    expect(logged).toEqual([]);
  });
});
