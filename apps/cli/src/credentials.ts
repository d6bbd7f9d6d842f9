/**
 * How each network command finds its TLS files and tokens. TLS is on by
 * default:
 * - `--credentials DIR`: a role folder of `kfkd certs` (certs.ts): the CA,
 *   this process's certificate and key, and its token(s).
 * - the older `--tls-*` flags with `--token-file` or KFKD_TOKEN.
 * - `--insecure`: plaintext, with a warning on every start.
 * - none of them: the coordinator makes (first start) or reuses
 *   `<run-dir>/credentials/`; a worker or dashboard stops with one line
 *   naming the fix.
 * --token-file and KFKD_TOKEN, when given, take precedence over the token
 * files of --credentials.
 */
import { access, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Command, Option } from 'commander';
import type { TlsFiles } from '@kfkd/coordinator';
import { TokenCheck, TokenFile, fixedTokens } from '@kfkd/coordinator/auth';
import type { Logger } from '@kfkd/runtime';
import { CREDENTIAL_FILES, type ClientRole, writeCredentials } from './certs.ts';
import { TOKEN_ENV, readToken, tlsKeyOption, tokenFileOption } from './cluster-flags.ts';
import { UsageError } from './failure.ts';
import { booleanOption, commaSeparatedList, stringOption } from './options.ts';

/** The folder of a coordinator's own credentials inside its run directory. */
export const RUN_DIR_CREDENTIALS = 'credentials';

export function credentialsOption(role: 'coordinator' | ClientRole): Option {
  const folder = role === 'coordinator' ? 'coordinator' : role;
  return stringOption(
    '--credentials <dir>',
    `the ${folder} folder written by \`kfkd certs\` (or by a coordinator's first start, in <run-dir>/${RUN_DIR_CREDENTIALS}/${folder}): CA, certificate, key and token${role === 'coordinator' ? 's' : ''}; TLS with client certificates`,
  );
}

export function insecureOption(): Option {
  return booleanOption('--insecure', 'plaintext gRPC without certificates (tokens cross the network in clear): only on a trusted network');
}

/** The flags of ClientCredentialFlags, which clientCredentials() checks and reads: `kfkd worker` and `kfkd dashboard` (role viewer). */
export function addClientCredentialFlags(command: Command, role: ClientRole): Command {
  return command
    .addOption(credentialsOption(role))
    .addOption(insecureOption())
    .addOption(tokenFileOption())
    .addOption(stringOption('--tls-ca <file>', 'PEM CA bundle: connect over TLS, trusting the coordinator certificates it signed'))
    .addOption(stringOption('--tls-cert <file>', 'PEM client certificate, for a coordinator that requires one (with --tls-key)'))
    .addOption(tlsKeyOption());
}

/** The flags of CoordinatorCredentialFlags, which coordinatorCredentials() checks and reads: `kfkd coordinator` and `kfkd pipeline`. */
export function addCoordinatorCredentialFlags(command: Command): Command {
  return command
    .addOption(credentialsOption('coordinator'))
    .addOption(insecureOption())
    .addOption(
      stringOption('--tls-san <names>', 'without --credentials: extra host names or IP addresses of the certificate made on first start, comma separated (localhost, 127.0.0.1 and the host name are always in)').argParser(commaSeparatedList),
    )
    .addOption(tokenFileOption('coordinator'))
    .addOption(stringOption('--viewer-token-file <file>', 'the viewer tokens accepted (Watch only), one per line, re-read when the file changes (default: viewer.tokens of --credentials)'))
    .addOption(stringOption('--tls-cert <file>', 'PEM certificate chain: serve over TLS (with --tls-key)'))
    .addOption(tlsKeyOption())
    .addOption(stringOption('--tls-client-ca <file>', 'PEM CA bundle: require worker certificates signed by it (mTLS)'));
}

/**
 * The three ways to name TLS files exclude each other: --insecure, --credentials
 * and the older --tls-* flags (`oldTlsFlags`, as this command spells them).
 */
function checkOneWay(flags: { credentials?: string; insecure?: boolean }, oldTls: boolean, oldTlsFlags: string): void {
  if (flags.insecure && (flags.credentials || oldTls)) throw new UsageError('--insecure turns TLS off: it cannot go with --credentials or --tls-*');
  if (flags.credentials && oldTls) throw new UsageError(`--credentials already names the TLS files: drop ${oldTlsFlags}`);
}

const INSECURE_WARNING = 'plaintext gRPC (--insecure): tokens, parameters and gradients cross the network unencrypted; use --credentials on any network you do not trust';

export interface CoordinatorCredentialFlags {
  credentials?: string;
  insecure?: boolean;
  tlsSan?: string[];
  tokenFile?: string;
  viewerTokenFile?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsClientCa?: string;
}

export interface CoordinatorCredentials {
  readonly tls: TlsFiles | null;
  readonly tokens: TokenCheck;
}

/** The coordinator's TLS files and tokens; without any, `<runDir>/credentials/` is made (first start) or reused. */
export async function coordinatorCredentials(flags: CoordinatorCredentialFlags, runDir: string, log: Logger): Promise<CoordinatorCredentials> {
  const oldTls = Boolean(flags.tlsCert || flags.tlsKey || flags.tlsClientCa);
  checkOneWay(flags, oldTls, '--tls-cert, --tls-key and --tls-client-ca');
  let folder = flags.credentials;
  if (!folder && !oldTls && !flags.insecure) {
    const dir = join(runDir, RUN_DIR_CREDENTIALS);
    folder = join(dir, 'coordinator');
    const created = !(await exists(join(folder, CREDENTIAL_FILES.cert)));
    if (created) await writeCredentials(dir, { sans: [hostname(), ...(flags.tlsSan ?? [])] });
    log.info(`${created ? 'created' : 'using'} TLS credentials: copy their worker folder to the workers and their viewer folder to dashboards (each passed as --credentials)`, {
      credentials: dir,
    });
  }
  if (flags.insecure) log.warn(INSECURE_WARNING);
  let tls: TlsFiles | null = null;
  if (folder) tls = { cert: join(folder, CREDENTIAL_FILES.cert), key: join(folder, CREDENTIAL_FILES.key), clientCa: join(folder, CREDENTIAL_FILES.ca) };
  else if (oldTls) {
    if (!flags.tlsCert || !flags.tlsKey) throw new UsageError('--tls-cert and --tls-key go together');
    tls = { cert: flags.tlsCert, key: flags.tlsKey, clientCa: flags.tlsClientCa };
  }
  const envToken = (process.env[TOKEN_ENV] ?? '').trim();
  const workerTokenFile = flags.tokenFile ?? (envToken || !folder ? undefined : join(folder, CREDENTIAL_FILES.workerTokens));
  if (!workerTokenFile && !envToken) {
    throw new UsageError(`a worker token is required: pass --credentials DIR, --token-file FILE or set ${TOKEN_ENV}`);
  }
  const viewerTokenFile = flags.viewerTokenFile ?? (folder ? join(folder, CREDENTIAL_FILES.viewerTokens) : undefined);
  const worker = workerTokenFile ? new TokenFile(workerTokenFile, log) : fixedTokens(envToken);
  const viewer = viewerTokenFile ? new TokenFile(viewerTokenFile, log) : null;
  return { tls, tokens: new TokenCheck(worker, viewer) };
}

export interface ClientCredentialFlags {
  credentials?: string;
  insecure?: boolean;
  tokenFile?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}

export interface ClientTls {
  readonly ca: Buffer;
  readonly cert: Buffer | null;
  readonly key: Buffer | null;
}

export interface ClientCredentials {
  /** null: plaintext (--insecure). */
  readonly tls: ClientTls | null;
  readonly token: string;
}

/** A worker's or dashboard's TLS files and token; `role` names the folder the fix points to. */
export async function clientCredentials(flags: ClientCredentialFlags, role: ClientRole, log: Logger): Promise<ClientCredentials> {
  const oldTls = Boolean(flags.tlsCa || flags.tlsCert || flags.tlsKey);
  checkOneWay(flags, oldTls, '--tls-ca, --tls-cert and --tls-key');
  if (!flags.credentials && !oldTls && !flags.insecure) {
    throw new UsageError(
      `no credentials: pass --credentials DIR, the ${role} folder of \`kfkd certs\` or of the coordinator's run directory (<run-dir>/${RUN_DIR_CREDENTIALS}/${role}), or --insecure for plaintext on a trusted network`,
    );
  }
  if (flags.insecure) {
    log.warn(INSECURE_WARNING);
    return { tls: null, token: await readToken(flags.tokenFile) };
  }
  quietIpServernameWarning();
  const folder = flags.credentials;
  if (folder) {
    const [ca, cert, key] = await Promise.all([CREDENTIAL_FILES.ca, CREDENTIAL_FILES.cert, CREDENTIAL_FILES.key].map((name) => readFile(join(folder, name))));
    const explicit = flags.tokenFile !== undefined || (process.env[TOKEN_ENV] ?? '').trim().length > 0;
    return { tls: { ca, cert, key }, token: await readToken(explicit ? flags.tokenFile : join(folder, CREDENTIAL_FILES.token)) };
  }
  if (Boolean(flags.tlsCert) !== Boolean(flags.tlsKey)) throw new UsageError('--tls-cert and --tls-key go together');
  if (!flags.tlsCa) throw new UsageError('--tls-cert needs --tls-ca (client certificates are only sent over TLS)');
  return {
    tls: { ca: await readFile(flags.tlsCa), cert: flags.tlsCert ? await readFile(flags.tlsCert) : null, key: flags.tlsKey ? await readFile(flags.tlsKey) : null },
    token: await readToken(flags.tokenFile),
  };
}

/**
 * grpc-js gives Node's TLS the target's host as the SNI server name, and
 * Node warns (DEP0123, RFC 6066) when that is an IP address, as
 * `--coordinator 10.0.0.5:50051` is. The name is still checked against the
 * certificate's IP addresses; only the warning, noise on every start, goes.
 */
function quietIpServernameWarning(): void {
  const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((...args: unknown[]) => {
    const code = typeof args[2] === 'string' ? args[2] : (args[1] as { code?: string } | undefined)?.code;
    if (code !== 'DEP0123') emit(...args);
  }) as typeof process.emitWarning;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
