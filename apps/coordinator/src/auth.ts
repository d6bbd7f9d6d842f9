/**
 * The shared token every call must carry (`authorization: Bearer <token>`).
 * Compared through SHA-256 digests with timingSafeEqual, so neither the
 * length nor the content leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';
import { AUTHORIZATION_KEY } from '@kfkd/proto';

export class TokenCheck {
  private readonly digest: Buffer;

  constructor(token: string) {
    this.digest = sha256(token);
  }

  /** Whether the call's metadata carries the token. */
  accepts(metadata: Metadata): boolean {
    const values = metadata.get(AUTHORIZATION_KEY);
    if (values.length !== 1 || typeof values[0] !== 'string' || !values[0].startsWith('Bearer ')) return false;
    return timingSafeEqual(sha256(values[0].slice('Bearer '.length)), this.digest);
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
