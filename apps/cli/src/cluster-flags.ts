/**
 * Flags of distributed training shared by `kfkd coordinator`, `kfkd worker`
 * and `kfkd local`: the shared token and TLS files.
 */
import { readFile } from 'node:fs/promises';
import type { Option } from 'commander';
import { UsageError } from './failure.ts';
import { stringOption } from './options.ts';

/** The environment variable that may hold the shared token itself (instead of --token-file). */
export const TOKEN_ENV = 'KFKD_TOKEN';

/** The shared token: the first line of --token-file, else $KFKD_TOKEN. */
export async function readToken(tokenFile: string | undefined): Promise<string> {
  const token = tokenFile ? (await readFile(tokenFile, 'utf8')).split(/\r?\n/)[0].trim() : (process.env[TOKEN_ENV] ?? '').trim();
  if (token.length === 0) {
    throw new UsageError(tokenFile ? `token file ${tokenFile} is empty` : `a shared token is required: pass --token-file FILE or set ${TOKEN_ENV}`);
  }
  return token;
}

export function tokenFileOption(): Option {
  return stringOption('--token-file <file>', `file whose first line is the shared token (default: $${TOKEN_ENV})`);
}

export function tlsKeyOption(): Option {
  return stringOption('--tls-key <file>', 'PEM private key of --tls-cert');
}

export function secondsToMs(seconds: number): number {
  return Math.round(seconds * 1000);
}
