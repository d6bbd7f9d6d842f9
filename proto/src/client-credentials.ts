/** How a client of the coordinator (a worker, a dashboard) secures its channel: one set-up for all of them. */
import * as grpc from '@grpc/grpc-js';

/** A client's PEM files, as read from --credentials or the --tls-* flags. */
export interface ClientTlsFiles {
  /** The CA the coordinator's certificate must chain to (null: the system's CAs). */
  readonly ca: Buffer | null;
  /** The client certificate and its key, for mTLS; both or neither. */
  readonly cert: Buffer | null;
  readonly key: Buffer | null;
}

/** Channel credentials: plaintext (null, --insecure), TLS (`ca`), or mTLS (`ca` + `cert` + `key`). */
export function channelCredentials(tls: ClientTlsFiles | null): grpc.ChannelCredentials {
  if (!tls) return grpc.credentials.createInsecure();
  return grpc.credentials.createSsl(tls.ca, tls.key, tls.cert);
}
