/**
 * The gRPC edge of the coordinator: authenticates every call (through the
 * one guard of token-guard.ts), checks every request, maps outcomes to
 * status codes, and hands the rest to the pool. The only place that knows
 * gRPC status codes. What it refuses and receives is reported to an
 * EdgeObserver (edge-observer.ts; the metrics listen).
 */
import * as grpc from '@grpc/grpc-js';
import { PROTOCOL_VERSION, type SessionGuard, kfkdProto } from '@kfkd/proto';
import type { Command, CoordinatorHandlers, HeartbeatReply, HeartbeatRequest__Output, JoinRequest__Output, ReportPart__Output, ReportReply, WatchEvent, WatchRequest__Output } from '@kfkd/proto';
import type { TokenCheck } from './auth.ts';
import type { Logger } from '@kfkd/runtime';
import type { EdgeObserver, RejectReason } from './edge-observer.ts';
import type { LeaveReason, WorkerInfo } from './membership.ts';
import type { ReportReceiver, ReportRefusal, WorkerPool, WorkerStream } from './pool.ts';
import type { WatchSource } from './watch-journal.ts';
import { joinResponseSerializer } from './parameter-encoding.ts';
import { type ViewerSink, WatchViewers } from './watch-viewers.ts';
import { edgeInterceptor, tolerantDeserializer } from './edge.ts';
import { TokenGuard, guardEveryRpc } from './token-guard.ts';

/** host:port, [v6]:port; what gRPC can dial, bounded. */
const PEER_ADDRESS = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\]):\d{1,5}$/;
const WORKER_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

const CLOSE_CODES: Record<LeaveReason, grpc.status> = {
  left: grpc.status.CANCELLED,
  'stream-closed': grpc.status.CANCELLED,
  deadline: grpc.status.DEADLINE_EXCEEDED,
  heartbeat: grpc.status.DEADLINE_EXCEEDED,
  'invalid-message': grpc.status.INVALID_ARGUMENT,
  replaced: grpc.status.ABORTED,
  shutdown: grpc.status.UNAVAILABLE,
  // Never an error: a moved worker was sent Moved and its stream ends normally (streamOf).
  moved: grpc.status.OK,
};

/** The metrics' reason for each status a join is refused with (past the token check). */
const JOIN_REFUSALS: Partial<Record<grpc.status, RejectReason>> = {
  [grpc.status.FAILED_PRECONDITION]: 'protocol-version',
  [grpc.status.INVALID_ARGUMENT]: 'malformed',
  [grpc.status.UNAVAILABLE]: 'not-accepting',
};

/**
 * What the edge hands a worker's calls to: one job's WorkerPool, or the
 * JobRouter of a pool of several jobs (job-router.ts).
 */
export type WorkerEndpoint = Pick<WorkerPool, 'leave' | 'heartbeat' | 'openReport'> & {
  join(worker: WorkerInfo, stream: WorkerStream): { readonly id: string; readonly session: number };
};

export class CoordinatorService {
  private accepting = true;
  private sessions: SessionGuard | null = null;
  private viewers: WatchViewers | null = null;

  constructor(
    private readonly pool: WorkerEndpoint,
    private readonly token: TokenCheck,
    private readonly log: Logger,
    private readonly journal?: WatchSource,
    private readonly observer?: EdgeObserver,
  ) {}

  /**
   * Registers the rpcs, each behind the token guard; `sessions`
   * (startServer's) is told about every call that passes it: its connection
   * gets the authenticated limits (session-guard.ts).
   */
  addToServer(server: grpc.Server, sessions?: SessionGuard): void {
    this.sessions = sessions ?? null;
    const guard = new TokenGuard(this.token, this.log, this.observer, (peer) => this.sessions?.authenticated(peer));
    const handlers: CoordinatorHandlers = {
      Join: (call) => this.join(call),
      Report: (call, callback) => this.report(call, callback),
      Heartbeat: (call, callback) => this.heartbeat(call, callback),
      Watch: (call) => this.watch(call),
    };
    const definition = kfkdProto().kfkd.v1.Coordinator.service;
    const join = definition.Join as grpc.MethodDefinition<JoinRequest__Output, Command>;
    // Undecodable requests become MalformedRequests, which interceptor() refuses and counts before any handler runs.
    const tolerant = Object.fromEntries(
      Object.entries({ ...definition, Join: { ...join, responseSerialize: joinResponseSerializer(join.responseSerialize) } }).map(([name, method]) => [
        name,
        { ...method, requestDeserialize: tolerantDeserializer(method.requestDeserialize) },
      ]),
    ) as grpc.ServiceDefinition;
    server.addService(tolerant, guardEveryRpc(tolerant, handlers, (rpc, call) => guard.check(rpc, call)));
  }

  /** The server interceptor of this service's edge (edge.ts): pass it to startServer. */
  interceptor(): grpc.ServerInterceptor {
    return edgeInterceptor(this.observer);
  }

  /** New joins are refused (UNAVAILABLE) from now on. */
  stopAccepting(): void {
    this.accepting = false;
  }

  private join(call: grpc.ServerWritableStream<JoinRequest__Output, Command>): void {
    const request = call.request;
    const refuse = (code: grpc.status, details: string): void => {
      this.observer?.rejected('join', JOIN_REFUSALS[code] ?? 'malformed');
      this.log.warn('join refused', { worker: request.workerId, peer: call.getPeer(), code: grpc.status[code], details });
      call.emit('error', { code, details });
    };
    if (request.protocolVersion !== PROTOCOL_VERSION) {
      return refuse(
        grpc.status.FAILED_PRECONDITION,
        `protocol version ${request.protocolVersion} is not supported: this coordinator speaks version ${PROTOCOL_VERSION}; run a worker of the same kfkd version`,
      );
    }
    if (!WORKER_ID.test(request.workerId)) return refuse(grpc.status.INVALID_ARGUMENT, 'worker id must be 1-128 characters of A-Z a-z 0-9 . _ : @ -');
    if (request.backend.length > 64 || request.device.length > 256) return refuse(grpc.status.INVALID_ARGUMENT, 'backend or device name too long');
    if (request.peerAddress && !PEER_ADDRESS.test(request.peerAddress)) return refuse(grpc.status.INVALID_ARGUMENT, 'peer address must be HOST:PORT (at most 261 characters), or empty');
    if (!this.accepting) return refuse(grpc.status.UNAVAILABLE, 'the coordinator is shutting down');
    const member = this.pool.join({ id: request.workerId, host: call.getPeer(), backend: request.backend, device: request.device, ...(request.peerAddress ? { peerAddress: request.peerAddress } : {}) }, streamOf(call));
    call.on('cancelled', () => this.pool.leave(member.id, member.session, 'stream-closed', 'the worker closed its stream'));
  }

  /** Whether a viewer is on the Watch stream now. */
  get watched(): boolean {
    return (this.viewers?.count ?? 0) > 0;
  }

  /** Replays the journal, then streams it live; ends after the run's finished event. */
  private watch(call: grpc.ServerWritableStream<WatchRequest__Output, WatchEvent>): void {
    const journal = this.journal;
    if (!journal) return void call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: 'this coordinator keeps no watch journal' });
    this.viewers ??= new WatchViewers(journal, undefined, this.observer);
    const peer = call.getPeer();
    const sink = viewerSinkOf(call, () => this.sessions?.close(peer));
    if (!this.viewers.open(sink)) {
      this.log.warn('watch refused', { peer, code: 'RESOURCE_EXHAUSTED' });
      return void call.emit('error', { code: grpc.status.RESOURCE_EXHAUSTED, details: 'too many viewers are watching this run; try again later' });
    }
    this.log.info('watcher connected', { peer });
  }

  /** A Report stream: the TaskResult, then its gradient chunks; answered once it ends, or as soon as something is refused. */
  private report(call: grpc.ServerReadableStream<ReportPart__Output, ReportReply>, callback: grpc.sendUnaryData<ReportReply>): void {
    let receiver: ReportReceiver | null = null;
    let workerId = '';
    let answered = false;
    const refuse = (refusal: ReportRefusal): void => {
      answered = true;
      this.observer?.rejected('report', refusal.problem === 'invalid' ? 'invalid-result' : refusal.problem);
      if (refusal.problem === 'unknown-worker') this.log.warn('result from unknown worker refused', { worker: workerId });
      const code = refusal.problem === 'invalid' ? grpc.status.INVALID_ARGUMENT : grpc.status.FAILED_PRECONDITION;
      callback({ code, details: `${refusal.problem}: ${refusal.detail}` });
    };
    const malformed = (detail: string): void => refuse({ ok: false, problem: 'invalid', detail });
    call.on('data', (part: ReportPart__Output) => {
      if (answered) return;
      if (part.result) {
        // Refused through the receiver: its worker is dropped and its task freed (refused here only, the task stayed
        // marked as receiving until its deadline, and a hostile worker could stall every step for that long).
        if (receiver) return refuse(receiver.reject('a second TaskResult in one Report'));
        workerId = part.result.workerId;
        const opened = this.pool.openReport(part.result, call.getPeer());
        if (!opened.ok) return refuse(opened);
        receiver = opened.receiver;
      } else if (part.gradient) {
        this.observer?.gradientReceived(part.gradient.values.byteLength);
        if (!receiver) return malformed('a gradient chunk before its TaskResult');
        const refusal = receiver.chunk(part.gradient.offset, part.gradient.values);
        if (refusal) refuse(refusal);
      } else if (part.ringHops) {
        if (!receiver) return malformed('ring hops before their TaskResult');
        const refusal = receiver.hops(part.ringHops.hops);
        if (refusal) refuse(refusal);
      }
    });
    call.on('end', () => {
      if (answered) return;
      if (!receiver) return malformed('a Report without a TaskResult');
      const outcome = receiver.finish();
      if (!outcome.ok) return refuse(outcome);
      answered = true;
      callback(null, {});
    });
    // A stream broken off mid-result leaves its task outstanding: its deadline or the worker's Join stream settles it.
    call.on('error', () => {
      answered = true;
    });
  }

  private heartbeat(call: grpc.ServerUnaryCall<HeartbeatRequest__Output, HeartbeatReply>, callback: grpc.sendUnaryData<HeartbeatReply>): void {
    const generation = this.pool.heartbeat(call.request.workerId, call.request.session, call.getPeer());
    if (generation === null) {
      this.observer?.rejected('heartbeat', 'unknown-session');
      return callback({ code: grpc.status.FAILED_PRECONDITION, details: 'unknown worker session: join again' });
    }
    callback(null, { generation });
  }
}

/**
 * Adapts a Watch call to a viewer of watch-viewers.ts. A dropped viewer
 * gets RESOURCE_EXHAUSTED once its client reads again; severing it closes
 * its connection (`closeSession`), the only way to free what a stream that
 * is not read holds (grpc-js cannot reset one stream from a handler).
 */
function viewerSinkOf(call: grpc.ServerWritableStream<WatchRequest__Output, WatchEvent>, closeSession: () => void): ViewerSink {
  return {
    write: (event) => !call.cancelled && !call.writableEnded && call.write(event),
    onDrain: (listener) => call.on('drain', listener),
    onClose: (listener) => {
      let fired = false;
      const once = (): void => {
        if (fired) return;
        fired = true;
        listener();
      };
      call.on('cancelled', once);
      call.on('close', once);
    },
    end: () => call.end(),
    drop: (details) => call.emit('error', { code: grpc.status.RESOURCE_EXHAUSTED, details }),
    sever: () => {
      call.destroy();
      closeSession();
    },
  };
}

/** Adapts a Join call to the pool's WorkerStream, with backpressure. */
function streamOf(call: grpc.ServerWritableStream<JoinRequest__Output, Command>): WorkerStream {
  return {
    send: (command) =>
      new Promise<void>((resolve, reject) => {
        if (call.cancelled || call.writableEnded) return reject(new Error('stream closed'));
        if (call.write(command)) resolve();
        else call.once('drain', () => resolve());
      }),
    close: (reason, detail) => {
      if (call.cancelled || call.writableEnded) return;
      if (reason === 'finished' || reason === 'moved') call.end();
      else call.emit('error', { code: CLOSE_CODES[reason], details: `${reason}: ${detail}` });
    },
  };
}
