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
  if (code === 'UNAVAILABLE' && TLS_FAILURE.test(details)) return { retry: false, reason: `TLS handshake failed (${tlsReason(details)}); check --tls-ca, --tls-cert and --tls-key` };
  return { retry: true };
}

/** The short reason OpenSSL gives ("tlsv13 alert certificate required"), else the details' first line. */
function tlsReason(details: string): string {
  const openssl = /SSL routines:[^:]*:([^:]+)/.exec(details);
  if (openssl) return openssl[1].trim();
  return details.split('\n')[0].replace(/^No connection established\. Last error: /, '').trim();
}
