/**
 * TLS by default and the roles, through the real `kfkd`: a coordinator
 * started without any credentials makes its own and a worker given their
 * worker folder trains; a worker without credentials stops at once with one
 * line naming the fix; --insecure works on both and warns; a worker holding
 * the viewer credentials is refused (PERMISSION_DENIED, counted); tokens
 * rotate while the coordinator runs.
 */
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Command__Output, type CoordinatorClient, MESSAGE_SIZE_OPTIONS, PROTOCOL_VERSION, kfkdProto, tokenMetadata } from '@kfkd/proto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readHistory, startKfkd, testCredentials } from '../testing/cluster.ts';
import { kfkd, kfkdWithEnv } from '../testing/kfkd-process.ts';
import { EXIT_REFUSED, EXIT_USAGE } from '../failure.ts';

let dir: string;
let data: string;
const training = (runDir: string): string[] => ['--net', 'tinyconv-test', '--data', data, '--epochs', '1', '--batch', '16', '--run-dir', runDir];
/** No KFKD_TOKEN: the tokens are the credentials' own. */
const NO_TOKEN = { KFKD_TOKEN: '' };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kfkd-credentials-'));
  data = join(dir, 'train.csv');
  expect((await kfkd('synth', '--rows', '60', '--label-all', '1', '--out', data)).code).toBe(0);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const listening = async (p: ReturnType<typeof startKfkd>): Promise<number> => Number((await p.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1]);

it('a coordinator without flags makes TLS credentials in its run directory (kept on restart); a worker with their worker folder trains, one without any stops with one line', async () => {
  const runDir = join(dir, 'default');
  const coordinator = startKfkd(['coordinator', '--listen', '127.0.0.1:0', ...training(runDir)], NO_TOKEN, { bare: true });
  const port = await listening(coordinator);
  const made = join(runDir, 'credentials');
  expect(coordinator.stderr.join('\n')).toMatch(new RegExp(`created TLS credentials: copy their worker folder to the workers .* credentials=${made.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  expect(coordinator.stderr.join('\n')).toMatch(/listening on .* tls=mtls/);
  expect((await stat(join(made, 'coordinator', 'tls.key'))).mode & 0o777).toBe(0o600);

  const bare = await kfkdWithEnv(NO_TOKEN, 'worker', '--coordinator', `127.0.0.1:${port}`, '--backend', 'wasm');
  expect(bare.code).toBe(EXIT_USAGE);
  expect(bare.stderr.trim().split('\n')).toEqual([
    expect.stringMatching(/^kfkd: no credentials: pass --credentials DIR, the worker folder .*<run-dir>\/credentials\/worker\), or --insecure/),
  ]);

  const worker = startKfkd(['worker', '--coordinator', `127.0.0.1:${port}`, '--credentials', join(made, 'worker'), '--id', 'w', '--backend', 'wasm'], NO_TOKEN, { bare: true });
  expect(await coordinator.exited).toBe(0);
  expect(await worker.exited).toBe(0);
  expect(worker.stderr.join('\n')).not.toMatch(/DEP0123|Warning/);
  expect(await readHistory(runDir)).toHaveLength(1);

  // A restart reuses them (the same CA: the worker folder already handed out stays good).
  const ca = await readFile(join(made, 'worker', 'ca.crt'), 'utf8');
  const again = startKfkd(['coordinator', '--listen', '127.0.0.1:0', ...training(runDir), '--epochs', '2'], NO_TOKEN, { bare: true });
  await listening(again);
  expect(again.stderr.join('\n')).toMatch(/using TLS credentials/);
  again.kill('SIGKILL');
  expect(await readFile(join(made, 'worker', 'ca.crt'), 'utf8')).toBe(ca);
});

it('--insecure on coordinator and worker trains in plaintext, and both warn', async () => {
  const runDir = join(dir, 'insecure');
  const coordinator = startKfkd(['coordinator', '--insecure', '--listen', '127.0.0.1:0', ...training(runDir)]);
  const port = await listening(coordinator);
  const worker = startKfkd(['worker', '--insecure', '--coordinator', `127.0.0.1:${port}`, '--id', 'w', '--backend', 'wasm']);
  expect(await coordinator.exited).toBe(0);
  expect(await worker.exited).toBe(0);
  for (const p of [coordinator, worker]) expect(p.stderr.join('\n')).toMatch(/warn: plaintext gRPC \(--insecure\)/);
  expect(coordinator.stderr.join('\n')).toMatch(/listening on .* tls=off/);
  await expect(stat(join(runDir, 'credentials'))).rejects.toThrow(/ENOENT/);
});

it('a worker holding the viewer credentials is refused with PERMISSION_DENIED for good, and the refusal is counted', async () => {
  const runDir = join(dir, 'viewer');
  const coordinator = startKfkd(['coordinator', '--listen', '127.0.0.1:0', '--metrics-listen', '127.0.0.1:0', ...training(runDir)], NO_TOKEN);
  const port = await listening(coordinator);
  const metricsUrl = (await coordinator.waitFor(/serving metrics on (\S+)/))[1];
  try {
    const viewer = await kfkdWithEnv(NO_TOKEN, 'worker', '--credentials', testCredentials('viewer'), '--coordinator', `127.0.0.1:${port}`, '--backend', 'wasm');
    expect(viewer.code).toBe(EXIT_REFUSED);
    expect(viewer.stderr.split('\n').filter((l) => l.startsWith('kfkd:'))).toEqual([
      expect.stringMatching(/^kfkd: coordinator 127\.0\.0\.1:\d+ refused this worker: PERMISSION_DENIED: a viewer token may not call join.*--credentials DIR\/worker$/),
    ]);
    const metrics = await (await fetch(metricsUrl)).text();
    expect(metrics).toMatch(/^kfkd_rejected_messages_total\{rpc="join",reason="permission-denied"\} 1$/m);
    expect(coordinator.stderr.join('\n')).toMatch(/warn: join refused .*code=PERMISSION_DENIED role=viewer/);
  } finally {
    coordinator.kill('SIGKILL');
  }
});

it('a token file changed while the coordinator runs: the new token is accepted and the removed one refused, without a restart', async () => {
  const tokens = join(dir, 'worker.tokens');
  await writeFile(tokens, 'old-token\n', { mode: 0o600 });
  const runDir = join(dir, 'rotation');
  const coordinator = startKfkd(['coordinator', '--listen', '127.0.0.1:0', '--token-file', tokens, '--min-workers', '3', ...training(runDir)], NO_TOKEN);
  const port = await listening(coordinator);
  const Client = kfkdProto().kfkd.v1.Coordinator;
  const file = (name: string): Buffer => readFileSync(join(testCredentials('worker'), name));
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createSsl(file('ca.crt'), file('tls.key'), file('tls.crt')), MESSAGE_SIZE_OPTIONS) as CoordinatorClient;
  /** Joins as `id` and resolves with 'welcome' or the status it is refused with; leaves again at once. */
  const join_ = (token: string, id: string): Promise<string> =>
    new Promise((resolve) => {
      const call = client.join({ protocolVersion: PROTOCOL_VERSION, workerId: id, backend: 'raw', device: 'test' }, tokenMetadata(token));
      call.on('data', (m: Command__Output) => {
        if (m.command !== 'welcome') return;
        resolve('welcome');
        call.cancel();
      });
      call.on('error', (e: grpc.ServiceError) => resolve(grpc.status[e.code]));
    });
  try {
    expect(await join_('old-token', 'a')).toBe('welcome');
    expect(await join_('new-token', 'b')).toBe('UNAUTHENTICATED');
    // Both during the move, as an operator adds the new token first...
    await writeFile(tokens, '# rotating\nold-token\nnew-token\n');
    expect(await join_('new-token', 'c')).toBe('welcome');
    expect(await join_('old-token', 'd')).toBe('welcome');
    // ...then removes the old one (replaced by a rename, as editors and Kubernetes do).
    await writeFile(`${tokens}.next`, 'new-token\n');
    await rename(`${tokens}.next`, tokens);
    expect(await join_('old-token', 'e')).toBe('UNAUTHENTICATED');
    expect(await join_('new-token', 'f')).toBe('welcome');
    expect(coordinator.stderr.join('\n')).toMatch(/token file changed; tokens reloaded/);
    expect(coordinator.child.exitCode).toBeNull();
  } finally {
    client.close();
    coordinator.kill('SIGKILL');
  }
});
