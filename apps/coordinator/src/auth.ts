/**
 * Who a call is: the bearer token every call carries (`authorization:
 * Bearer <token>`) names a role. Worker tokens may Join, Report, Heartbeat
 * and Watch; viewer tokens may only Watch. Tokens are compared through
 * SHA-256 digests with timingSafeEqual against every accepted token, so
 * neither the length, the content nor which token matched leaks through timing.
 *
 * Token files (one token per line, `#` comments and blank lines ignored)
 * are re-read when they change, so tokens rotate without a restart: add the
 * new token, move the clients, remove the old one.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { Metadata } from '@grpc/grpc-js';
import { AUTHORIZATION_KEY } from '@kfkd/proto';
import type { Logger } from '@kfkd/runtime';
import { CoordinatorConfigError } from './errors.ts';

export type Role = 'worker' | 'viewer';

/** The tokens of one role as they are now. */
export interface TokenSource {
  /** SHA-256 digests of the accepted tokens. */
  digests(): readonly Buffer[];
}

/** Fixed tokens (a token given in the environment, tests, benches). */
export function fixedTokens(...tokens: string[]): TokenSource {
  const digests = tokens.map((t) => t.trim()).filter((t) => t.length > 0).map(sha256);
  return { digests: () => digests };
}

/** The tokens of a file: one per line, `#` comments and blank lines ignored. */
export function parseTokens(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line.length > 0);
}

/**
 * A token file, re-read when it changes. Every use stats it (a few
 * microseconds): the path is followed through symlinks, so the symlink swap
 * of a Kubernetes Secret update is seen, as is an edit in place or a rename
 * over it. A file that disappears or reads empty keeps the tokens it last
 * held (a half-written file must not lock every worker out), with a warning.
 */
export class TokenFile implements TokenSource {
  private version = '';
  private current: readonly Buffer[] = [];

  /** @throws CoordinatorConfigError when the file holds no token at start. */
  constructor(
    readonly path: string,
    private readonly log?: Logger,
  ) {
    this.refresh();
    if (this.current.length === 0) throw new CoordinatorConfigError(`token file ${path} holds no token (one token per line)`);
  }

  digests(): readonly Buffer[] {
    this.refresh();
    return this.current;
  }

  private refresh(): void {
    let version: string;
    let tokens: string[];
    try {
      const stat = statSync(this.path, { bigint: true });
      version = `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`;
      if (version === this.version) return;
      tokens = parseTokens(readFileSync(this.path, 'utf8'));
    } catch (error) {
      if (this.version === '') throw error;
      if (this.version !== 'unreadable') this.log?.warn('token file unreadable; keeping its previous tokens', { file: this.path, error: String(error) });
      this.version = 'unreadable';
      return;
    }
    this.version = version;
    if (tokens.length === 0 && this.current.length > 0) {
      this.log?.warn('token file holds no token; keeping its previous tokens', { file: this.path });
      return;
    }
    if (this.current.length > 0) this.log?.info('token file changed; tokens reloaded', { file: this.path, tokens: tokens.length });
    this.current = tokens.map(sha256);
  }
}

/** The role of each call, from the tokens of each role. */
export class TokenCheck {
  private readonly worker: TokenSource;
  private readonly viewer: TokenSource | null;

  /** A string is one fixed token. */
  constructor(worker: TokenSource | string, viewer: TokenSource | string | null = null) {
    this.worker = typeof worker === 'string' ? fixedTokens(worker) : worker;
    this.viewer = typeof viewer === 'string' ? fixedTokens(viewer) : viewer;
    if (this.worker.digests().length === 0) throw new CoordinatorConfigError('a worker token is required (--token-file, KFKD_TOKEN or --credentials)');
  }

  /** The role the call's token grants, or null (no token, malformed header, unknown token). A token in both roles is a worker's. */
  roleOf(metadata: Metadata): Role | null {
    const values = metadata.get(AUTHORIZATION_KEY);
    if (values.length !== 1 || typeof values[0] !== 'string' || !values[0].startsWith('Bearer ')) return null;
    const presented = sha256(values[0].slice('Bearer '.length));
    // No early exit: the time taken does not say which token (or role) matched.
    const isWorker = matchesAny(presented, this.worker.digests());
    const isViewer = this.viewer ? matchesAny(presented, this.viewer.digests()) : false;
    return isWorker ? 'worker' : isViewer ? 'viewer' : null;
  }
}

function matchesAny(presented: Buffer, digests: readonly Buffer[]): boolean {
  let found = false;
  for (const digest of digests) found = timingSafeEqual(presented, digest) || found;
  return found;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
