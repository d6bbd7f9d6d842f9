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

  it('names the fix of each certificate problem, as grpc-js reports it', () => {
    const handshake = (details: string): string => {
      const decision = decideOnSessionEnd({ code: 'UNAVAILABLE', details: `No connection established. Last error: ${details} (2026-11-28T08:20:33.448Z). Resolution note: `, welcomed: false });
      return decision.retry ? 'retry' : decision.reason;
    };
    expect(handshake('Error: certificate has expired')).toBe(
      'TLS handshake failed (certificate has expired): a certificate has expired (or is not valid yet): make new credentials with `kfkd certs` and hand out their folders, or check the clocks',
    );
    expect(handshake('Error: self-signed certificate in certificate chain')).toMatch(/^TLS handshake failed \(self-signed certificate in certificate chain\): .*different CAs/);
    expect(handshake("Error [ERR_TLS_CERT_ALTNAME_INVALID]: Hostname/IP does not match certificate's altnames: Host: gpu-host. is not in the cert's altnames: DNS:localhost")).toMatch(
      /^TLS handshake failed \(Hostname\/IP does not match certificate's altnames: Host: gpu-host\. .*\): .*kfkd certs --san/,
    );
    expect(handshake('Error: 40E7:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:354:')).toMatch(/\(wrong version number\): the coordinator speaks plaintext \(--insecure\)/);
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
