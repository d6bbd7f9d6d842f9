/**
 * The credentials of a run, as `kfkd certs` writes them (and the coordinator
 * on its first start without any, and `kfkd local`):
 *
 *   DIR/ca.key                      the CA's private key (keep offline; never in a Secret)
 *   DIR/coordinator/ ca.crt tls.crt tls.key worker.tokens viewer.tokens
 *   DIR/worker/      ca.crt tls.crt tls.key token
 *   DIR/viewer/      ca.crt tls.crt tls.key token
 *
 * One CA signs a server certificate for the coordinator (its SANs) and a
 * client certificate per role (the role in the subject, clientAuth usage);
 * the coordinator requires a client certificate of that CA (mTLS) and the
 * token of a role on every call. The worker's certificate may serve too
 * (serverAuth as well): a worker of a ring step serves the Peer service to
 * the worker before it, which checks the role, not a host name (pods have no
 * stable names), so it has no SANs. Keys and tokens are mode 0600.
 *
 * Certificates are built with node-forge (pure JavaScript, no native code,
 * no global polyfill: @peculiar/x509 needs reflect-metadata installed
 * globally through tsyringe; no openssl binary at run time). Forge signs
 * with RSA only, so the keys are RSA-2048, which every TLS stack accepts
 * (grpc-js through Node's OpenSSL included); node:crypto generates them, in
 * native code and in parallel, as forge's pure-JavaScript generator is slow.
 */
import { generateKeyPair as generateKeyPairCallback, randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { isIP } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { syncDirectory, writeFileDurably } from '@kfkd/data';
import forge from 'node-forge';
import { UsageError } from './failure.ts';

export type ClientRole = 'worker' | 'viewer';

/** The file names inside each role folder. */
export const CREDENTIAL_FILES = {
  ca: 'ca.crt',
  cert: 'tls.crt',
  key: 'tls.key',
  /** A client's own token. */
  token: 'token',
  /** The coordinator's accepted tokens of each role. */
  workerTokens: 'worker.tokens',
  viewerTokens: 'viewer.tokens',
} as const;

export interface CredentialsOptions {
  /** Host names and IP addresses the coordinator is reached by; localhost and 127.0.0.1 are always added. */
  readonly sans: readonly string[];
  /** Validity of every certificate, in days (default 365). */
  readonly days?: number;
  /** Replace an existing, non-empty folder. */
  readonly force?: boolean;
}

export const DEFAULT_DAYS = 365;
const ALWAYS_SANS = ['localhost', '127.0.0.1'];
const generateKeyPair = promisify(generateKeyPairCallback);

interface KeyPair {
  readonly privatePem: string;
  readonly publicKey: forge.pki.rsa.PublicKey;
  readonly privateKey: forge.pki.rsa.PrivateKey;
}

/**
 * Writes a new CA, certificates and tokens to `dir`. They are written to a
 * sibling folder first and renamed into place, so `dir` never holds half a
 * set (a coordinator killed during its first start makes a whole one next time).
 * @throws UsageError when `dir` exists and is not empty, unless `force`.
 */
export async function writeCredentials(dir: string, options: CredentialsOptions): Promise<void> {
  const days = options.days ?? DEFAULT_DAYS;
  if (!Number.isInteger(days) || days < 1) throw new UsageError(`--days must be a whole number of days >= 1, got ${days}`);
  const existing = await readdir(dir).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? null : Promise.reject(error)));
  if (existing && existing.length > 0 && !options.force) throw new UsageError(`${dir} already exists and is not empty: choose another --out, or pass --force to replace it`);
  const sans = [...new Set([...ALWAYS_SANS, ...options.sans.map((s) => s.trim()).filter((s) => s.length > 0)])];

  const [caKeys, serverKeys, workerKeys, viewerKeys] = await Promise.all([newKeyPair(), newKeyPair(), newKeyPair(), newKeyPair()]);
  const notBefore = new Date(Date.now() - 60 * 60 * 1000); // an hour back: clocks of other machines may be behind
  const notAfter = new Date(Date.now() + days * 24 * 60 * 60 * 1000);
  const caSubject = [
    { name: 'commonName', value: `kfkd CA ${new Date().toISOString().slice(0, 10)} ${randomBytes(3).toString('hex')}` },
    { name: 'organizationName', value: 'kfkd' },
  ];
  const ca = certificate({ subject: caSubject, issuer: caSubject, keys: caKeys, signer: caKeys.privateKey, notBefore, notAfter }, [
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  const leaf = (role: string, keys: KeyPair, extensions: object[]): forge.pki.Certificate =>
    certificate(
      {
        subject: [
          { name: 'commonName', value: `kfkd-${role}` },
          { name: 'organizationalUnitName', value: role },
          { name: 'organizationName', value: 'kfkd' },
        ],
        issuer: caSubject,
        keys,
        signer: caKeys.privateKey,
        notBefore,
        notAfter,
      },
      [
        { name: 'basicConstraints', cA: false, critical: true },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'subjectKeyIdentifier' },
        { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
        ...extensions,
      ],
    );
  const server = leaf('coordinator', serverKeys, [
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: sans.map((name) => (isIP(name) ? { type: 7, ip: name } : { type: 2, value: name })) },
  ]);
  const clients = { worker: leaf('worker', workerKeys, [{ name: 'extKeyUsage', serverAuth: true, clientAuth: true }]), viewer: leaf('viewer', viewerKeys, [{ name: 'extKeyUsage', clientAuth: true }]) };
  const tokens = { worker: newToken(), viewer: newToken() };

  const caPem = forge.pki.certificateToPem(ca);
  const staging = join(dirname(dir), `.${basename(dir)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await mkdir(staging, { recursive: true, mode: 0o700 });
    // Each file fsynced (the shared durable write of @kfkd/data), so the folder renamed into place below holds them whole after a crash.
    const secret = (path: string, text: string): Promise<void> => writeFileDurably(join(staging, path), text, { mode: 0o600 });
    const open = (path: string, text: string): Promise<void> => writeFileDurably(join(staging, path), text, { mode: 0o644 });
    await secret('ca.key', caKeys.privatePem);
    await mkdir(join(staging, 'coordinator'), { mode: 0o700 });
    await open(join('coordinator', CREDENTIAL_FILES.ca), caPem);
    await open(join('coordinator', CREDENTIAL_FILES.cert), forge.pki.certificateToPem(server));
    await secret(join('coordinator', CREDENTIAL_FILES.key), serverKeys.privatePem);
    for (const role of ['worker', 'viewer'] as const) {
      await secret(join('coordinator', `${role}.tokens`), `${TOKEN_FILE_HEADER(role)}${tokens[role]}\n`);
      await mkdir(join(staging, role), { mode: 0o700 });
      await open(join(role, CREDENTIAL_FILES.ca), caPem);
      await open(join(role, CREDENTIAL_FILES.cert), forge.pki.certificateToPem(clients[role]));
      await secret(join(role, CREDENTIAL_FILES.key), (role === 'worker' ? workerKeys : viewerKeys).privatePem);
      await secret(join(role, CREDENTIAL_FILES.token), `${tokens[role]}\n`);
    }
    if (existing) await rm(dir, { recursive: true, force: true });
    await rename(staging, dir);
    await syncDirectory(dirname(dir));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

const TOKEN_FILE_HEADER = (role: ClientRole): string =>
  `# kfkd ${role} tokens accepted by the coordinator: one per line; re-read when this file changes.\n` +
  `# To rotate: add a new token, give it to the ${role}s (their token file), then remove the old one.\n`;

function newToken(): string {
  return randomBytes(32).toString('base64url');
}

async function newKeyPair(): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  return { privatePem: privateKey, privateKey: forge.pki.privateKeyFromPem(privateKey), publicKey: forge.pki.publicKeyFromPem(publicKey) };
}

interface CertificateFields {
  readonly subject: forge.pki.CertificateField[];
  readonly issuer: forge.pki.CertificateField[];
  readonly keys: KeyPair;
  readonly signer: forge.pki.rsa.PrivateKey;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

function certificate(fields: CertificateFields, extensions: object[]): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = fields.keys.publicKey;
  // 16 random bytes, high bit clear: a positive serial number, unique per certificate (RFC 5280 4.1.2.2).
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  cert.serialNumber = serial.toString('hex');
  cert.validity.notBefore = fields.notBefore;
  cert.validity.notAfter = fields.notAfter;
  cert.setSubject(fields.subject);
  cert.setIssuer(fields.issuer);
  cert.setExtensions(extensions);
  cert.sign(fields.signer, forge.md.sha256.create());
  return cert;
}
