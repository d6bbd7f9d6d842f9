import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { netSpec, paramLayout } from '@kfkd/model';
import { memoryLogger } from '@kfkd/runtime';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { TokenCheck } from './auth.ts';
import { checkpointPath } from './checkpoint.ts';
import { Coordinator } from './coordinator.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kfkd-coordinator-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function coordinator(): { coordinator: Coordinator; log: ReturnType<typeof memoryLogger> } {
  const spec = netSpec('tinyconv-test');
  const rows = (count: number) => ({ rows: count, pixels: new Uint8Array(count * 96 * 96), targets: new Float32Array(count * 30) });
  const log = memoryLogger();
  const coordinator = new Coordinator({
    spec,
    data: { columns: [], train: rows(64), valid: rows(8), sourceRows: 72 },
    parameters: new Float32Array(paramLayout(spec).size),
    seed: 1,
    runDir: join(dir, 'run'),
    runConfig: {},
    identity: { net: spec.name },
    listen: '127.0.0.1:0',
    tokens: new TokenCheck('a-worker-token'),
    tls: null,
    log,
  });
  return { coordinator, log };
}

it('a shutdown during start-up is not lost: the run stops before its first step, with a checkpoint, instead of waiting for workers', async () => {
  const { coordinator: c, log } = coordinator();
  const run = c.run();
  expect(c.state).toBe('starting');
  c.shutdown();
  const outcome = await run;
  expect(outcome.result.stopReason).toBe('aborted');
  expect(outcome.result.history).toEqual([]);
  expect(c.state).toBe('stopped');
  await stat(checkpointPath(join(dir, 'run')));
  expect(log.lines.join('\n')).toMatch(/shutting down once started, before any step/);
});
