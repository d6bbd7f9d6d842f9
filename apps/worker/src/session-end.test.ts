import { describe, expect, it } from 'vitest';
import { decideOnSessionEnd } from './session-end.ts';

const CERT_REQUIRED =
  'No connection established. Last error: 807C8AF74D7F0000:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:' +
  '../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 116\n (2026-11-28T08:20:33.448Z). Resolution note: ';

describe('decideOnSessionEnd', () => {
  it('gives up on refusals that retrying cannot fix', () => {
    expect(decideOnSessionEnd({ code: 'UNAUTHENTICATED', details: 'wrong token', welcomed: false })).toEqual({
      retry: false,
      reason: 'UNAUTHENTICATED: wrong token (check --token-file, KFKD_TOKEN or the token of --credentials)',
    });
    expect(decideOnSessionEnd({ code: 'PERMISSION_DENIED', details: 'a viewer token may not call join', welcomed: false })).toEqual({
      retry: false,
      reason: 'PERMISSION_DENIED: a viewer token may not call join; give the worker its own folder: --credentials DIR/worker',
    });
    expect(decideOnSessionEnd({ code: 'FAILED_PRECONDITION', details: 'protocol version 9, this coordinator speaks 1', welcomed: false })).toMatchObject({ retry: false });
    expect(decideOnSessionEnd({ code: 'UNAVAILABLE', details: CERT_REQUIRED, welcomed: false })).toEqual({
      retry: false,
      reason: 'TLS handshake failed (tlsv13 alert certificate required): the coordinator requires a client certificate: pass --credentials DIR/worker (or --tls-cert and --tls-key)',
    });
  });

  it('retries when the coordinator is down, restarting or dropped the stream', () => {
    const transient = [
      { code: 'UNAVAILABLE', details: 'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:47199. Resolution note: ', welcomed: false },
      { code: 'UNAVAILABLE', details: 'stream ended', welcomed: true },
      { code: 'FAILED_PRECONDITION', details: 'stale generation', welcomed: true },
      { code: 'DEADLINE_EXCEEDED', details: 'deadline', welcomed: true },
    ];
    for (const error of transient) expect(decideOnSessionEnd(error), error.details).toEqual({ retry: true });
  });
});
