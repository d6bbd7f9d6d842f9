import { describe, expect, it } from 'vitest';
import { channelCredentials } from './client-credentials.ts';

describe('channelCredentials', () => {
  it('is plaintext without TLS files, and secure with them', () => {
    expect(channelCredentials(null)._isSecure()).toBe(false);
    expect(channelCredentials({ ca: null, cert: null, key: null })._isSecure()).toBe(true);
  });

  it('refuses half a client key pair (grpc-js checks it)', () => {
    expect(() => channelCredentials({ ca: null, cert: Buffer.from('x'), key: null })).toThrow(/Certificate chain must be given with accompanying private key/);
  });
});
