/**
 * The credentials of a ring peer, from the worker's own (the files it
 * reaches the coordinator with). A peer is a server to the worker before it
 * and a client of the worker after it:
 * - plaintext (--insecure): plaintext both ways, as to the coordinator;
 * - TLS: serve with the worker certificate, requiring a client certificate
 *   of the same CA (mTLS); dial trusting only that CA and accepting a peer
 *   whose certificate names the worker role. Peers are dialled by address,
 *   and pods have no stable names, so the host name is not checked.
 * A worker certificate that cannot serve (no certificate, or one of
 * `kfkd certs` before workers served peers, without serverAuth usage) leaves
 * the worker unable to serve peers: it takes part in star steps only.
 */
import * as grpc from '@grpc/grpc-js';
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import type { ClientTlsFiles } from '@kfkd/proto';
import { WORKER_ROLE } from './peer-service.ts';

/** The extended key usage a TLS server certificate needs. */
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

export interface PeerCredentials {
  /** What dials the next worker. */
  readonly client: grpc.ChannelCredentials;
  /** What serves the previous worker, or why this worker cannot serve. */
  readonly server: grpc.ServerCredentials | { readonly unusable: string };
}

export function peerCredentials(tls: ClientTlsFiles | null): PeerCredentials {
  if (!tls) return { client: grpc.credentials.createInsecure(), server: grpc.ServerCredentials.createInsecure() };
  const client = grpc.credentials.createSsl(tls.ca, tls.key, tls.cert, { checkServerIdentity: checkPeerRole });
  if (!tls.ca || !tls.cert || !tls.key) return { client, server: { unusable: 'the worker has no certificate and key of the cluster CA' } };
  const usage = new X509Certificate(tls.cert).keyUsage;
  // No extended key usage at all allows any use.
  if (usage && !usage.includes(SERVER_AUTH)) return { client, server: { unusable: 'the worker certificate is for clients only (made before ring steps): make new credentials with `kfkd certs`' } };
  return { client, server: grpc.ServerCredentials.createSsl(tls.ca, [{ cert_chain: tls.cert, private_key: tls.key }], true) };
}

/** Accepts a peer certificate of the worker role (its chain to the CA has been checked by then), whatever the host. */
export function checkPeerRole(_host: string, certificate: PeerCertificate): Error | undefined {
  const unit: unknown = certificate.subject?.OU;
  const role = Array.isArray(unit) ? unit[0] : unit;
  return role === WORKER_ROLE ? undefined : new Error(`the peer's certificate is not a worker's (role '${String(role ?? '')}')`);
}
