/**
 * TLS with client certificates (mTLS): a worker with a certificate signed by
 * the coordinator's client CA trains; one without is refused at the TLS
 * handshake and exits 3 (refused) with one clear line instead of retrying forever.
 * Certificates are made with openssl, and the test is skipped where it is missing.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EXIT_REFUSED } from '../failure.ts';
import { readHistory, startCoordinator, startKfkd } from '../testing/cluster.ts';
import { kfkd } from '../testing/kfkd-process.ts';

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

let dir: string;
const file = (name: string): string => join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kfkd-tls-'));
  if (!hasOpenssl) return;
  const ssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=kfkd-test-ca');
  for (const [name, subject, ext] of [
    ['server', '/CN=localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
    ['client', '/CN=worker', 'extendedKeyUsage=clientAuth'],
  ]) {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    execFileSync('sh', ['-c', `printf '%s\\n' '${ext}' > ${name}.ext`], { cwd: dir });
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', '-extfile', `${name}.ext`);
  }
  expect((await kfkd('synth', '--rows', '60', '--label-all', '1', '--out', file('train.csv'))).code).toBe(0);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it.skipIf(!hasOpenssl)('mTLS: a worker with a client certificate trains; one without never joins and exits 3 (refused) with a clear error', async () => {
  const runDir = file('run');
  const { coordinator, port } = await startCoordinator([
    ...['--net', 'tinyconv-test', '--data', file('train.csv'), '--epochs', '1', '--batch', '16', '--run-dir', runDir],
    ...['--tls-cert', file('server.pem'), '--tls-key', file('server.key'), '--tls-client-ca', file('ca.pem')],
  ]);
  const worker = (id: string, ...tls: string[]) => startKfkd(['worker', '--coordinator', `127.0.0.1:${port}`, '--id', id, '--backend', 'wasm', '--tls-ca', file('ca.pem'), ...tls]);
  const anonymous = worker('anonymous');
  try {
    expect(await anonymous.exited).toBe(EXIT_REFUSED);
    const errors = anonymous.stderr.filter((l) => l.startsWith('kfkd:'));
    expect(errors).toEqual([expect.stringMatching(/^kfkd: coordinator 127\.0\.0\.1:\d+ refused this worker: TLS handshake failed \(.*certificate required\): the coordinator requires a client certificate/)]);
    expect(anonymous.stderr.join('\n')).not.toMatch(/session ended; reconnecting/);
    const trusted = worker('trusted', '--tls-cert', file('client.pem'), '--tls-key', file('client.key'));
    expect(await coordinator.exited).toBe(0);
    expect(await trusted.exited).toBe(0);
    expect(coordinator.stderr.join('\n')).toMatch(/listening on .* tls=mtls/);
    expect(coordinator.stderr.join('\n')).not.toMatch(/worker joined worker=anonymous/);
    expect(await readHistory(runDir)).toHaveLength(1);
  } finally {
    anonymous.kill('SIGKILL');
  }
});
