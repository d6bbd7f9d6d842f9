/**
 * The server side of the Peer service: what the previous worker of a ring
 * Passes to this one. Every call must carry the worker token (else
 * UNAUTHENTICATED, before anything else is looked at) and, over TLS, a
 * worker's certificate (the role in its subject; the TLS layer has checked
 * it chains to the cluster's CA). A stream's PeerHello is followed by
 * parameter chunks, taken into the session's ParameterStore as they come,
 * or by a running sum, handed to the session's ring round, which reads it
 * chunk by chunk (unread chunks stay in the HTTP/2 window: the previous
 * worker waits) and ends the call when it is done with it.
 */
import * as grpc from '@grpc/grpc-js';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AUTHORIZATION_KEY, type GradientChunk__Output, MESSAGE_SIZE_OPTIONS, type ParameterChunk__Output, SessionGuard, type SessionLimits, TENSOR_CHUNK_BYTES, UNAUTHENTICATED_MAX_STREAMS, type PeerHello__Output, type PeerPart__Output, type PeerReply, type RingHop__Output, type RingSum__Output, kfkdProto } from '@kfkd/proto';
import type { Logger } from '@kfkd/runtime';
import { serviceError } from './call-error.ts';
import type { ParameterSource, ReceiveOutcome } from './parameter-store.ts';
import type { IncomingSum } from './ring-round.ts';
import type { CallError } from './session.ts';

/** What takes a Pass stream's contents: the worker's current session (WorkerSession). */
export interface PeerIntake {
  /** null: no session to take it. */
  peerParameters(source: ParameterSource, chunk: ParameterChunk__Output): ReceiveOutcome | null;
  /** The parameter stream `source` broke off before it ended. */
  peerParametersBroke(source: ParameterSource, why: string): void;
  peerSum(incoming: IncomingSum): void;
}

export interface PeerServiceConfig {
  readonly token: string;
  /** The session that takes what peers pass, if any now. */
  readonly intake: () => PeerIntake | null;
  readonly log: Logger;
}

/** The role a kfkd certificate names (certs.ts puts it in the subject's OU). */
export const WORKER_ROLE = 'worker';

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export class PeerService {
  private readonly expected: Buffer;

  constructor(private readonly config: PeerServiceConfig) {
    this.expected = sha256(`Bearer ${config.token}`);
  }

  /** Told the peer (grpc-js's getPeer()) of every call that passed the token and role checks (servePeers: its connection gets the big window). */
  private authenticated: (peer: string) => void = () => {};

  addToServer(server: grpc.Server, authenticated?: (peer: string) => void): void {
    if (authenticated) this.authenticated = authenticated;
    server.addService(kfkdProto().kfkd.v1.Peer.service, { Pass: (call: grpc.ServerReadableStream<PeerPart__Output, PeerReply>, callback: grpc.sendUnaryData<PeerReply>) => void this.pass(call, callback) });
  }

  private async pass(call: grpc.ServerReadableStream<PeerPart__Output, PeerReply>, callback: grpc.sendUnaryData<PeerReply>): Promise<void> {
    let answered = false;
    const answer = (error: CallError | null): void => {
      if (answered) return;
      answered = true;
      if (error) callback(serviceError(error));
      else callback(null, {});
    };
    if (!this.tokenAccepted(call.metadata)) return answer({ code: 'UNAUTHENTICATED', details: 'missing or wrong worker token' });
    const role = certificateRole(call);
    if (role !== null && role !== WORKER_ROLE) return answer({ code: 'PERMISSION_DENIED', details: `a certificate of role '${role}' may not pass to a worker` });
    this.authenticated(call.getPeer());
    const parts = partsOf(call);
    try {
      const first = await parts.next();
      if (first.done || first.value.part !== 'hello') return answer({ code: 'INVALID_ARGUMENT', details: 'a Pass stream starts with a PeerHello' });
      const hello = first.value.hello!;
      const second = await parts.next();
      if (second.done) return answer(null);
      if (second.value.part === 'parameters') return answer(await this.takeParameters(second.value.parameters!, parts));
      if (second.value.part === 'sum') return this.takeSum(hello, second.value.sum!, parts, answer);
      answer({ code: 'INVALID_ARGUMENT', details: `a PeerHello followed by ${second.value.part ?? 'nothing'}` });
    } catch (error) {
      // The caller's stream broke (it cancelled, or the connection went): nobody reads the answer.
      this.config.log.debug('peer stream broke', { error: messageOf(error) });
      answer({ code: 'CANCELLED', details: messageOf(error) });
    }
  }

  /** Parameter chunks, stored as they come; the stream's answer. */
  private async takeParameters(first: ParameterChunk__Output, parts: AsyncIterator<PeerPart__Output>): Promise<CallError | null> {
    const source: ParameterSource = { transfer: null, fromPeer: true };
    let chunk = first;
    for (;;) {
      const outcome = this.config.intake()?.peerParameters(source, chunk) ?? null;
      if (!outcome) return { code: 'UNAVAILABLE', details: 'this worker is not in a session' };
      if (outcome.kind === 'problem') return { code: 'INVALID_ARGUMENT', details: outcome.problem };
      if (outcome.kind === 'stale') return { code: 'ABORTED', details: `parameters of version ${chunk.version} replaced by a newer version` };
      let next;
      try {
        next = await parts.next();
      } catch (error) {
        this.config.intake()?.peerParametersBroke(source, messageOf(error));
        throw error;
      }
      if (next.done) return null;
      if (next.value.part !== 'parameters') return { code: 'INVALID_ARGUMENT', details: `${next.value.part ?? 'nothing'} among parameter chunks` };
      chunk = next.value.parameters!;
    }
  }

  /** A running sum: handed to the session, which reads its chunks and answers the call. */
  private takeSum(hello: PeerHello__Output, sum: RingSum__Output, parts: AsyncIterator<PeerPart__Output>, answer: (error: CallError | null) => void): void {
    const intake = this.config.intake();
    if (!intake) return answer({ code: 'UNAVAILABLE', details: 'this worker is not in a session' });
    let abort!: (error: Error) => void;
    // Settles a read still waiting when the round finishes the call (the caller's stream may never end).
    const finished = new Promise<never>((_, reject) => (abort = reject));
    finished.catch(() => {});
    // The hops so far come after the last chunk (PeerPart.hops), and end the sum.
    let hops: readonly RingHop__Output[] = [];
    let ended = false;
    const chunks: AsyncIterator<GradientChunk__Output> = {
      next: async () => {
        if (ended) return { done: true, value: undefined };
        const next = await Promise.race([parts.next(), finished]);
        if (next.done) return { done: true, value: undefined };
        if (next.value.part === 'hops') {
          hops = next.value.hops!.hops;
          ended = true;
          return { done: true, value: undefined };
        }
        if (next.value.part !== 'gradient') throw new Error(`${next.value.part ?? 'nothing'} among running sum chunks`);
        return { done: false, value: next.value.gradient! };
      },
    };
    intake.peerSum({
      hello,
      sum,
      chunks,
      hops: () => hops,
      finish: (error) => {
        answer(error);
        if (error) abort(new Error(`${error.code}: ${error.details}`));
      },
    });
  }

  private tokenAccepted(metadata: grpc.Metadata): boolean {
    const [value] = metadata.get(AUTHORIZATION_KEY);
    return typeof value === 'string' && timingSafeEqual(sha256(value), this.expected);
  }
}

/**
 * The call's parts, in order. A read rejects when the caller cancels: grpc-js
 * then only emits 'cancelled', and a read of the stream would wait forever.
 */
function partsOf(call: grpc.ServerReadableStream<PeerPart__Output, PeerReply>): AsyncIterator<PeerPart__Output> {
  const parts = call[Symbol.asyncIterator]() as AsyncIterator<PeerPart__Output>;
  const cancelled = new Promise<never>((_, reject) => call.once('cancelled', () => reject(new Error('the previous worker cancelled its stream'))));
  cancelled.catch(() => {});
  return { next: () => Promise.race([parts.next(), cancelled]) };
}

/** The role in the caller's certificate (its subject's OU); null over plaintext. */
function certificateRole(call: grpc.ServerReadableStream<PeerPart__Output, PeerReply>): string | null {
  const certificate = call.getAuthContext().sslPeerCertificate;
  if (!certificate) return null;
  const unit = certificate.subject?.OU;
  return (Array.isArray(unit) ? unit[0] : unit) ?? '';
}

/**
 * A Peer server's options. Its messages are gradient and parameter chunks
 * (TENSOR_CHUNK_BYTES) and small parts, so it takes nothing bigger, as the
 * coordinator does before a call's token is checked. A new connection gets
 * UNAUTHENTICATED_MAX_STREAMS streams and HTTP/2's default windows until a
 * call passes the checks (PEER_SESSION_LIMITS); grpc-js servers ignore the
 * 'grpc-node.flow_control_window' option that channels take.
 */
export const PEER_SERVER_OPTIONS: grpc.ServerOptions = {
  ...MESSAGE_SIZE_OPTIONS,
  'grpc.max_receive_message_length': TENSOR_CHUNK_BYTES + 64 * 1024,
  'grpc.max_concurrent_streams': UNAUTHENTICATED_MAX_STREAMS,
};

/**
 * The connections a worker's Peer server holds. The ring is ordered anew at
 * every step (by the rows each worker got), so in time every other worker
 * keeps a channel to this one: up to 119 (the coordinator shards the data
 * into 120 slots, so no run has more workers), each for a moment twice
 * while it reconnects. What strangers who reach the port can make the
 * worker hold is bounded by the unauthenticated cap: 8 connections x 2
 * streams x (a 1 MiB message and a 64 KiB window).
 */
export const PEER_SESSION_LIMITS: SessionLimits = {
  maxSessions: 256,
  maxUnauthenticatedSessions: 8,
  authenticationTimeoutMs: 30_000,
};

/**
 * Serves `service` at `listen` (HOST:PORT; port 0: any free one), its
 * sessions guarded: a connection whose call passed the checks gets the
 * 64 MiB receive window (with the default 64 KiB, each 1 MiB chunk of a
 * running sum waited for 16 WINDOW_UPDATE round trips through two busy
 * event loops). Resolves with the server and its port.
 */
export async function servePeers(listen: string, credentials: grpc.ServerCredentials, service: PeerService, limits: SessionLimits = PEER_SESSION_LIMITS): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server(PEER_SERVER_OPTIONS);
  const sessions = new SessionGuard(limits);
  service.addToServer(server, (peer) => sessions.authenticated(peer));
  const port = await new Promise<number>((resolve, reject) => server.bindAsync(listen, credentials, (error, bound) => (error ? reject(error) : resolve(bound))));
  sessions.attach(server);
  return { server, port };
}
