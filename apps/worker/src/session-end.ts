/**
 * Whether a session that ended with a gRPC error is worth retrying: a pure
 * decision. Permanent: the coordinator refused this worker (wrong or missing
 * token, a viewer's token, another protocol version, a malformed join) or the TLS handshake
 * failed (no or untrusted client certificate, untrusted server certificate,
 * TLS against plaintext): retrying cannot help, the operator must. Anything
 * else (coordinator down, restarting, unreachable, a dropped stream) is
 * transient and retried with backoff.
 */
export type SessionEndDecision = { readonly retry: true } | { readonly retry: false; readonly reason: string };

export interface SessionError {
  /** The gRPC status name, e.g. 'UNAVAILABLE'. */
  readonly code: string;
  readonly details: string;
  /** Whether the coordinator had welcomed this session. */
  readonly welcomed: boolean;
}

// OpenSSL's words for a failed handshake, as grpc-js passes them on in UNAVAILABLE details.
const TLS_FAILURE = /SSL routines|SSL alert|certificate|handshake|wrong version number|self[- ]signed/i;

export function decideOnSessionEnd(error: SessionError): SessionEndDecision {
  const { code, details, welcomed } = error;
  if (code === 'UNAUTHENTICATED') return { retry: false, reason: `UNAUTHENTICATED: ${details} (check --token-file, KFKD_TOKEN or the token of --credentials)` };
  if (code === 'PERMISSION_DENIED') return { retry: false, reason: `PERMISSION_DENIED: ${details}; give the worker its own folder: --credentials DIR/worker` };
  if (!welcomed && (code === 'FAILED_PRECONDITION' || code === 'INVALID_ARGUMENT')) return { retry: false, reason: `${code}: ${details}` };
  if (code === 'UNAVAILABLE' && TLS_FAILURE.test(details)) return { retry: false, reason: `TLS handshake failed (${tlsReason(details)}): ${tlsFix(details)}` };
  return { retry: true };
}

/** What the operator should do about a failed handshake, by what OpenSSL or Node said; the first match wins. */
const TLS_FIXES: readonly (readonly [RegExp, string])[] = [
  [/certificate required/i, 'the coordinator requires a client certificate: pass --credentials DIR/worker (or --tls-cert and --tls-key)'],
  [/expired|not yet valid/i, 'a certificate has expired (or is not valid yet): make new credentials with `kfkd certs` and hand out their folders, or check the clocks'],
  [/altnames|does not match/i, "the coordinator's certificate does not name the host in --coordinator: connect by a name it has, or make credentials that name it (`kfkd certs --san`, or the coordinator's --tls-san)"],
  [/wrong version number|packet length too long|http request/i, 'the coordinator speaks plaintext (--insecure): give it credentials, or pass --insecure here too'],
  [
    /unknown ca|bad certificate|self[- ]signed|issuer|unable to verify|verify failed|decrypt error/i,
    "this worker's and the coordinator's certificates are of different CAs: use the worker folder of the same credentials as the coordinator's (--credentials DIR/worker)",
  ],
];

function tlsFix(details: string): string {
  return TLS_FIXES.find(([pattern]) => pattern.test(details))?.[1] ?? 'check --credentials (or --tls-ca, --tls-cert and --tls-key)';
}

/** The short reason OpenSSL gives ("tlsv13 alert certificate required"), else the details' first line. */
function tlsReason(details: string): string {
  const openssl = /SSL routines:[^:]*:([^:]+)/.exec(details);
  if (openssl) return openssl[1].trim();
  return details
    .split('\n')[0]
    .replace(/^No connection established\. Last error: /, '')
    .replace(/^Error(?: \[\w+\])?: /, '')
    .replace(/\.?\s*(?:\(\d{4}-[^)]*\)\.?)?\s*Resolution note:.*$/, '')
    .trim();
}
