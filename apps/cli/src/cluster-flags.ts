/**
 * Flags of distributed training shared by `kfkd coordinator`, `kfkd worker`,
 * `kfkd dashboard` and `kfkd local`: the shared token, TLS files and the
 * coordinator's address.
 */
import { readFile } from 'node:fs/promises';
import type { Option } from 'commander';
import { parseTokens } from '@kfkd/coordinator/auth';
import { UsageError } from './failure.ts';
import { stringOption } from './options.ts';

/** The environment variable that may hold the shared token itself (instead of --token-file). */
export const TOKEN_ENV = 'KFKD_TOKEN';

/** A client's token: the first token of --token-file (comments and blank lines skipped), else $KFKD_TOKEN. */
export async function readToken(tokenFile: string | undefined): Promise<string> {
  const token = tokenFile ? (parseTokens(await readFile(tokenFile, 'utf8'))[0] ?? '') : (process.env[TOKEN_ENV] ?? '').trim();
  if (token.length === 0) {
    throw new UsageError(tokenFile ? `token file ${tokenFile} is empty` : `a shared token is required: pass --token-file FILE or set ${TOKEN_ENV}`);
  }
  return token;
}

/** --token-file: a client's own token, or the worker tokens a coordinator accepts. */
export function tokenFileOption(of: 'client' | 'coordinator' = 'client'): Option {
  return of === 'client'
    ? stringOption('--token-file <file>', `file whose first line is the token (default: $${TOKEN_ENV}, else the token file of --credentials)`)
    : stringOption('--token-file <file>', `the worker tokens accepted, one per line, re-read when the file changes (default: $${TOKEN_ENV}, else worker.tokens of --credentials)`);
}

/** --coordinator of a worker or dashboard. */
export function coordinatorAddressOption(): Option {
  return stringOption('--coordinator <host:port>', 'address of the coordinator').makeOptionMandatory();
}

/** Refuses a --coordinator that is not HOST:PORT, before anything connects. */
export function checkCoordinatorAddress(address: string): void {
  if (!/^.+:\d+$/.test(address)) throw new UsageError(`--coordinator must be HOST:PORT, got '${address}'`);
}

export function tlsKeyOption(): Option {
  return stringOption('--tls-key <file>', 'PEM private key of --tls-cert');
}

export function secondsToMs(seconds: number): number {
  return Math.round(seconds * 1000);
}
