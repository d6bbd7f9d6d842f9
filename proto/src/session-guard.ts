/**
 * The HTTP/2 sessions (connections) of a kfkd gRPC server (the coordinator's,
 * and a worker's Peer server), bounded before and after authentication.
 *
 * A new session gets HTTP/2's default 64 KiB windows, 16 KiB frames and
 * UNAUTHENTICATED_MAX_STREAMS concurrent streams (the server's initial
 * SETTINGS: its 'grpc.max_concurrent_streams' option). Only once one of
 * its calls has passed the token check (`authenticated(peer)`, called by
 * the service) does it get the 64 MiB receive window and the bigger frames
 * that gradient uploads need, and MAX_STREAMS streams. Sessions that have not authenticated within
 * `authenticationTimeoutMs` are closed; connections over `maxSessions`, and
 * sessions over `maxUnauthenticatedSessions` waiting to authenticate, are
 * refused. Each refusal is counted through the observer.
 *
 * grpc-js offers no hook for any of this: the guard listens to the Node http2
 * servers grpc-js creates, reached through a private field (`http2Servers`,
 * a Map keyed by them in grpc-js 1.14). A call is matched to its session by
 * its peer address, which grpc-js builds from the session's socket as
 * `remoteAddress:remotePort`, as peerOf() does.
 */
import { type ServerHttp2Session, constants } from 'node:http2';
import type { Socket } from 'node:net';
import type * as grpc from '@grpc/grpc-js';

/**
 * HTTP/2 receive window of an authenticated connection and of each of its
 * streams: 64 MiB, so a whole gradient (32 MB for net2) can be in flight.
 * With the default 64 KiB a 32 MB upload waits for about 500 WINDOW_UPDATE
 * round trips through two event loops; measured on loopback, 1 MiB chunks
 * moved at 235 MB/s with the default window and 515 MB/s with this one.
 */
export const RECEIVE_WINDOW_BYTES = 64 * 1024 * 1024;

/** Bigger DATA frames than the default 16 KiB mean fewer callbacks into JavaScript per 1 MiB chunk. */
const MAX_FRAME_BYTES = 1024 * 1024;

/**
 * Concurrent streams of a session that has not authenticated: its first
 * call (Join for a worker, Watch for a dashboard) is the only one a
 * legitimate client has open before its token is checked; 2 leaves room for
 * a second in-process client sharing the connection (grpc-js pools them).
 * Streams over the limit wait in the client (nghttp2 queues them). Each
 * stream can hold one request message (SERVER_MAX_RECEIVE_BYTES) and its
 * 64 KiB window before the token is checked.
 */
export const UNAUTHENTICATED_MAX_STREAMS = 2;

/**
 * Concurrent streams of an authenticated session: RFC 9113 (6.5.2) asks
 * for no fewer than 100. A worker has at most its Join stream, one Report
 * and a few overlapping Heartbeats open; in-process test clusters share one
 * connection between several workers.
 */
export const MAX_STREAMS = 100;

export interface SessionLimits {
  /** TCP connections at once (TLS handshakes included); more are refused at accept. */
  readonly maxSessions: number;
  /** Sessions at once that have not passed a token check yet; more are closed at once. */
  readonly maxUnauthenticatedSessions: number;
  /** A session that has not passed a token check after this long is closed. */
  readonly authenticationTimeoutMs: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  // The data is sharded into 120 slots (sharding.ts), so no run has more
  // than 120 useful workers; each holds one connection, two for a moment
  // while it reconnects; plus a few dashboards.
  maxSessions: 256,
  // A legitimate client is unauthenticated for one round trip (from the end
  // of the TLS handshake to its first request). 32 lets a fleet of workers
  // (re)connect at once in a few round trips (those refused retry with
  // backoff) and bounds what unauthenticated peers can make the coordinator
  // hold: 32 sessions x 2 streams x (1.06 MiB message + 64 KiB window) ~ 72 MiB.
  maxUnauthenticatedSessions: 32,
  // Frees the slots of peers that connect and stay silent. Longer than any
  // pause of a legitimate client between connecting and its first call
  // (grpc-js channels connect when a call is made and send it at once).
  authenticationTimeoutMs: 30_000,
};

export type SessionRefusal = 'too-many-sessions' | 'too-many-unauthenticated' | 'authentication-timeout';
export const SESSION_REFUSALS = ['too-many-sessions', 'too-many-unauthenticated', 'authentication-timeout'] as const satisfies readonly SessionRefusal[];

export interface SessionCounts {
  readonly authenticated: number;
  readonly unauthenticated: number;
}

export interface SessionObserver {
  sessionRefused(reason: SessionRefusal): void;
}

interface TrackedSession {
  readonly session: ServerHttp2Session;
  authenticated: boolean;
  timer: NodeJS.Timeout | null;
}

/** The structural part of Node's http2 servers the guard uses. */
interface Http2ServerLike {
  maxConnections: number;
  prependListener(event: 'session', listener: (session: ServerHttp2Session) => void): unknown;
  on(event: 'drop', listener: () => void): unknown;
}

export class SessionGuard {
  private readonly sessions = new Map<string, TrackedSession>();
  private open = 0;
  private unauthenticated = 0;

  constructor(
    private readonly limits: SessionLimits = DEFAULT_SESSION_LIMITS,
    private readonly observer?: SessionObserver,
  ) {}

  /**
   * Guards every http2 server of `server` (call after bindAsync). Returns
   * false, changing nothing, when grpc-js's private field is not there:
   * sessions are then unbounded and keep the small default window (uploads
   * slower, never wrong).
   */
  attach(server: grpc.Server): boolean {
    const servers = (server as unknown as { http2Servers?: unknown }).http2Servers;
    if (!(servers instanceof Map) || servers.size === 0) return false;
    for (const http2Server of servers.keys() as IterableIterator<Http2ServerLike>) {
      http2Server.maxConnections = this.limits.maxSessions;
      // Node closes a connection over maxConnections as soon as it is accepted and says so with 'drop'.
      http2Server.on('drop', () => this.observer?.sessionRefused('too-many-sessions'));
      // Before grpc-js's own listener: a refused session never serves a call.
      http2Server.prependListener('session', (session) => this.opened(session));
    }
    return true;
  }

  /** A call from `peer` (its getPeer()) passed the token check: its session gets the big window and MAX_STREAMS. */
  authenticated(peer: string): void {
    const tracked = this.sessions.get(peer);
    if (!tracked || tracked.authenticated) return;
    tracked.authenticated = true;
    this.unauthenticated--;
    if (tracked.timer) clearTimeout(tracked.timer);
    tracked.timer = null;
    const { session } = tracked;
    if (session.destroyed || session.closed) return;
    session.setLocalWindowSize(RECEIVE_WINDOW_BYTES);
    session.settings({ initialWindowSize: RECEIVE_WINDOW_BYTES, maxFrameSize: MAX_FRAME_BYTES, maxConcurrentStreams: MAX_STREAMS });
  }

  /** Closes the session of `peer` (with every call on it); false when there is none. */
  close(peer: string): boolean {
    const tracked = this.sessions.get(peer);
    if (!tracked) return false;
    tracked.session.destroy(undefined, constants.NGHTTP2_ENHANCE_YOUR_CALM);
    return true;
  }

  counts(): SessionCounts {
    return { authenticated: this.open - this.unauthenticated, unauthenticated: this.unauthenticated };
  }

  private opened(session: ServerHttp2Session): void {
    const peer = peerOf(session.socket);
    if (peer === null) return;
    if (this.unauthenticated >= this.limits.maxUnauthenticatedSessions) return this.refuse(session, 'too-many-unauthenticated');
    const tracked: TrackedSession = { session, authenticated: false, timer: null };
    tracked.timer = setTimeout(() => {
      tracked.timer = null;
      if (!tracked.authenticated) this.refuse(session, 'authentication-timeout');
    }, this.limits.authenticationTimeoutMs);
    tracked.timer.unref();
    this.sessions.set(peer, tracked);
    this.open++;
    this.unauthenticated++;
    session.once('close', () => {
      this.open--;
      if (!tracked.authenticated) this.unauthenticated--;
      if (tracked.timer) clearTimeout(tracked.timer);
      // A new connection from the same address and port may have taken the key already.
      if (this.sessions.get(peer) === tracked) this.sessions.delete(peer);
    });
  }

  private refuse(session: ServerHttp2Session, reason: SessionRefusal): void {
    this.observer?.sessionRefused(reason);
    // Not within the 'session' event: grpc-js's own listener, which runs
    // next, reads the socket of the session (gone once it is destroyed).
    process.nextTick(() => session.destroy(undefined, constants.NGHTTP2_ENHANCE_YOUR_CALM));
  }
}

/** The peer of a session's calls, as grpc-js's getPeer() spells it; null once the socket is gone. */
export function peerOf(socket: Pick<Socket, 'remoteAddress' | 'remotePort'> | undefined): string | null {
  if (!socket?.remoteAddress) return null;
  return socket.remotePort ? `${socket.remoteAddress}:${socket.remotePort}` : socket.remoteAddress;
}
