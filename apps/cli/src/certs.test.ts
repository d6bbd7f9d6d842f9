/**
 * `kfkd certs`' files: what a TLS stack checks (node:crypto's X509Certificate:
 * issuer, SANs, validity, key pairs, key usage), the file modes, and a real
 * mTLS handshake through grpc-js with them, refused for a client without a
 * certificate, of another CA, or addressing a name the certificate lacks,
 * each refusal naming its fix in the worker's words.
 */
import * as grpc from '@grpc/grpc-js';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CoordinatorClient, type WatchEvent, kfkdProto } from '@kfkd/proto';
import { decideOnSessionEnd } from '@kfkd/worker/session-end';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCredentials } from './certs.ts';

let dir: string;
const creds = (...path: string[]): string => join(dir, 'creds', ...path);
const pem = (...path: string[]): Promise<Buffer> => readFile(creds(...path));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kfkd-certs-'));
  await writeCredentials(creds(), { sans: ['coordinator.example', '10.1.2.3'], days: 30 });
  await writeCredentials(join(dir, 'other'), { sans: [] });
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the files', () => {
  it('lays out one folder per role, keys and tokens readable by the owner only', async () => {
    expect((await readdir(creds())).sort()).toEqual(['ca.key', 'coordinator', 'viewer', 'worker']);
    expect((await readdir(creds('coordinator'))).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key', 'viewer.tokens', 'worker.tokens']);
    for (const role of ['worker', 'viewer']) expect((await readdir(creds(role))).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key', 'token']);
    for (const secret of ['ca.key', 'coordinator/tls.key', 'coordinator/worker.tokens', 'coordinator/viewer.tokens', 'worker/tls.key', 'worker/token', 'viewer/tls.key', 'viewer/token']) {
      expect((await stat(creds(secret))).mode & 0o777, secret).toBe(0o600);
    }
  });

  it('gives each role its own token, which the coordinator accepts for that role', async () => {
    const worker = (await readFile(creds('worker', 'token'), 'utf8')).trim();
    const viewer = (await readFile(creds('viewer', 'token'), 'utf8')).trim();
    expect(worker).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(viewer).not.toBe(worker);
    const accepted = (role: string): Promise<string[]> => readFile(creds('coordinator', `${role}.tokens`), 'utf8').then((t) => t.split('\n').filter((l) => l && !l.startsWith('#')));
    expect(await accepted('worker')).toEqual([worker]);
    expect(await accepted('viewer')).toEqual([viewer]);
  });

  it('signs a server certificate with the SANs and client certificates naming their role, all valid for --days', async () => {
    const ca = new X509Certificate(await pem('coordinator', 'ca.crt'));
    expect(ca.ca).toBe(true);
    expect(ca.checkPrivateKey(createPrivateKey(await pem('ca.key')))).toBe(true);
    const server = new X509Certificate(await pem('coordinator', 'tls.crt'));
    expect(server.checkIssued(ca) && server.verify(ca.publicKey)).toBe(true);
    expect(server.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, DNS:coordinator.example, IP Address:10.1.2.3');
    expect(server.checkHost('coordinator.example')).toBe('coordinator.example');
    expect(server.checkIP('10.1.2.3')).toBe('10.1.2.3');
    expect(server.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // serverAuth
    expect(server.checkPrivateKey(createPrivateKey(await pem('coordinator', 'tls.key')))).toBe(true);
    const days = (Date.parse(server.validTo) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    expect(Date.parse(server.validFrom)).toBeLessThan(Date.now());
    for (const role of ['worker', 'viewer']) {
      const client = new X509Certificate(await pem(role, 'tls.crt'));
      expect(client.verify(ca.publicKey)).toBe(true);
      expect(client.subject).toBe(`CN=kfkd-${role}\nOU=${role}\nO=kfkd`);
      // A worker also serves its ring peers; a viewer is a client only.
      expect(client.keyUsage).toEqual(role === 'worker' ? ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2'] : ['1.3.6.1.5.5.7.3.2']);
      expect(client.ca).toBe(false);
      expect(client.checkPrivateKey(createPrivateKey(await pem(role, 'tls.key')))).toBe(true);
      expect(await pem(role, 'ca.crt')).toEqual(await pem('coordinator', 'ca.crt'));
    }
    // Another run's credentials have another CA.
    const other = new X509Certificate(await readFile(join(dir, 'other', 'coordinator', 'ca.crt')));
    expect(server.verify(other.publicKey)).toBe(false);
    expect(other.publicKey.equals(ca.publicKey)).toBe(false);
  });

  it('refuses to overwrite a folder that is not empty, unless forced', async () => {
    const target = join(dir, 'taken');
    await writeCredentials(target, { sans: [] });
    const token = await readFile(join(target, 'worker', 'token'), 'utf8');
    await expect(writeCredentials(target, { sans: [] })).rejects.toThrow(/already exists and is not empty: choose another --out, or pass --force/);
    expect(await readFile(join(target, 'worker', 'token'), 'utf8')).toBe(token);
    await writeFile(join(target, 'stray'), '');
    await writeCredentials(target, { sans: [], force: true });
    expect(await readFile(join(target, 'worker', 'token'), 'utf8')).not.toBe(token);
    expect(await readdir(target)).not.toContain('stray');
  });
});

describe('an mTLS handshake through grpc-js', () => {
  let server: grpc.Server;
  let port: number;

  beforeAll(async () => {
    server = new grpc.Server();
    const definition = kfkdProto().kfkd.v1.Coordinator.service;
    const unimplemented = (_call: unknown, callback?: grpc.sendUnaryData<unknown>): void => callback?.({ code: grpc.status.UNIMPLEMENTED });
    server.addService(definition, {
      Join: unimplemented,
      Report: unimplemented,
      Heartbeat: unimplemented,
      Watch: (call: grpc.ServerWritableStream<unknown, WatchEvent>) => call.end(),
    });
    const credentials = grpc.ServerCredentials.createSsl(await pem('coordinator', 'ca.crt'), [{ cert_chain: await pem('coordinator', 'tls.crt'), private_key: await pem('coordinator', 'tls.key') }], true);
    port = await new Promise((resolve, reject) => server.bindAsync('127.0.0.1:0', credentials, (e, p) => (e ? reject(e) : resolve(p))));
  });

  afterAll(() => {
    server.forceShutdown();
  });

  /** Watches once; resolves with null when the stream ended normally, else with the worker's account of the failure. */
  async function watch(folder: string | null, options: grpc.ChannelOptions = {}, host = '127.0.0.1'): Promise<string | null> {
    const ca = await pem('worker', 'ca.crt');
    const channel = folder ? grpc.credentials.createSsl(await readFile(join(folder, 'ca.crt')), await readFile(join(folder, 'tls.key')), await readFile(join(folder, 'tls.crt'))) : grpc.credentials.createSsl(ca);
    const Client = kfkdProto().kfkd.v1.Coordinator;
    const client = new Client(`${host}:${port}`, channel, options) as CoordinatorClient;
    try {
      return await new Promise((resolve) => {
        const call = client.Watch({});
        call.on('data', () => undefined);
        call.on('end', () => resolve(null));
        call.on('error', (e: grpc.ServiceError) => {
          const decision = decideOnSessionEnd({ code: grpc.status[e.code], details: e.details, welcomed: false });
          resolve(decision.retry ? `retry: ${e.details}` : decision.reason);
        });
      });
    } finally {
      client.close();
    }
  }

  it('connects with the worker and the viewer certificates, by IP and by name', async () => {
    expect(await watch(creds('worker'))).toBeNull();
    expect(await watch(creds('viewer'), {}, 'localhost')).toBeNull();
  });

  it('refuses, naming the fix: no client certificate, another CA, a name not in the certificate', async () => {
    const refusals = [await watch(null), await watch(join(dir, 'other', 'worker')), await watch(creds('worker'), { 'grpc.ssl_target_name_override': 'elsewhere.example' })];
    expect(refusals[0]).toMatch(/^TLS handshake failed \(.*certificate required\): .*--credentials DIR\/worker/);
    expect(refusals[1]).toMatch(/^TLS handshake failed \(self-signed certificate in certificate chain\): .*of different CAs: use the worker folder of the same credentials/);
    expect(refusals[2]).toMatch(/^TLS handshake failed \(Hostname\/IP does not match certificate's altnames: Host: elsewhere\.example\. is not in the cert's altnames: [^)]*\): .*kfkd certs --san/);
  });
});
