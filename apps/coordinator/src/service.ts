/**
 * The gRPC edge of the coordinator: authenticates every call, checks every
 * request, maps outcomes to status codes, and hands the rest to the pool.
 * The only place that knows gRPC status codes.
 */
import * as grpc from '@grpc/grpc-js';
import { PROTOCOL_VERSION, kfkdProto } from '@kfkd/proto';
import type { Command, CoordinatorHandlers, HeartbeatReply, HeartbeatRequest__Output, JoinRequest__Output, ReportPart__Output, ReportReply, WatchEvent, WatchRequest__Output } from '@kfkd/proto';
import type { TokenCheck } from './auth.ts';
import type { Logger } from '@kfkd/runtime';
import type { LeaveReason } from './membership.ts';
import type { CoordinatorMetrics, RejectReason } from './metrics.ts';
import type { ReportReceiver, ReportRefusal, WorkerPool, WorkerStream } from './pool.ts';
import type { WatchJournal } from './watch-journal.ts';
import { joinResponseSerializer } from './parameter-encoding.ts';
import { edgeInterceptor, tolerantDeserializer } from './edge.ts';

const WORKER_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

const CLOSE_CODES: Record<LeaveReason, grpc.status> = {
  left: grpc.status.CANCELLED,
  'stream-closed': grpc.status.CANCELLED,
  deadline: grpc.status.DEADLINE_EXCEEDED,
  heartbeat: grpc.status.DEADLINE_EXCEEDED,
  'invalid-message': grpc.status.INVALID_ARGUMENT,
  replaced: grpc.status.ABORTED,
  shutdown: grpc.status.UNAVAILABLE,
};

/** The metrics' reason for each status a join is refused with. */
const JOIN_REFUSALS: Partial<Record<grpc.status, RejectReason>> = {
  [grpc.status.UNAUTHENTICATED]: 'unauthenticated',
  [grpc.status.FAILED_PRECONDITION]: 'protocol-version',
  [grpc.status.INVALID_ARGUMENT]: 'malformed',
  [grpc.status.UNAVAILABLE]: 'not-accepting',
};

export class CoordinatorService {
  private accepting = true;

  constructor(
    private readonly pool: WorkerPool,
    private readonly token: TokenCheck,
    private readonly log: Logger,
    private readonly journal?: WatchJournal,
    private readonly metrics?: CoordinatorMetrics,
  ) {}

  addToServer(server: grpc.Server): void {
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
    server.addService(tolerant, handlers);
  }

  /** The server interceptor of this service's edge (edge.ts): pass it to startServer. */
  interceptor(): grpc.ServerInterceptor {
    return edgeInterceptor(this.metrics);
  }

  /** New joins are refused (UNAVAILABLE) from now on. */
  stopAccepting(): void {
    this.accepting = false;
  }

  private join(call: grpc.ServerWritableStream<JoinRequest__Output, Command>): void {
    const request = call.request;
    const refuse = (code: grpc.status, details: string): void => {
      this.metrics?.rejected('join', JOIN_REFUSALS[code] ?? 'malformed');
      this.log.warn('join refused', { worker: request.workerId, peer: call.getPeer(), code: grpc.status[code], details });
      call.emit('error', { code, details });
    };
    if (!this.token.accepts(call.metadata)) return refuse(grpc.status.UNAUTHENTICATED, 'missing or wrong token');
    if (request.protocolVersion !== PROTOCOL_VERSION) {
      return refuse(
        grpc.status.FAILED_PRECONDITION,
        `protocol version ${request.protocolVersion} is not supported: this coordinator speaks version ${PROTOCOL_VERSION}; run a worker of the same kfkd version`,
      );
    }
    if (!WORKER_ID.test(request.workerId)) return refuse(grpc.status.INVALID_ARGUMENT, 'worker id must be 1-128 characters of A-Z a-z 0-9 . _ : @ -');
    if (request.backend.length > 64 || request.device.length > 256) return refuse(grpc.status.INVALID_ARGUMENT, 'backend or device name too long');
    if (!this.accepting) return refuse(grpc.status.UNAVAILABLE, 'the coordinator is shutting down');
    const member = this.pool.join({ id: request.workerId, host: call.getPeer(), backend: request.backend, device: request.device }, streamOf(call));
    call.on('cancelled', () => this.pool.leave(member.id, member.session, 'stream-closed', 'the worker closed its stream'));
  }

  /** Replays the journal, then streams it live; ends after the run's finished event. */
  private watch(call: grpc.ServerWritableStream<WatchRequest__Output, WatchEvent>): void {
    if (!this.token.accepts(call.metadata)) {
      this.metrics?.rejected('watch', 'unauthenticated');
      this.log.warn('watch refused', { peer: call.getPeer(), code: 'UNAUTHENTICATED' });
      return void call.emit('error', { code: grpc.status.UNAUTHENTICATED, details: 'missing or wrong token' });
    }
    const journal = this.journal;
    if (!journal) return void call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: 'this coordinator keeps no watch journal' });
    const send = (event: WatchEvent): void => {
      if (call.cancelled || call.writableEnded) return;
      call.write(event);
      if (event.finished) call.end();
    };
    for (const event of journal.replay()) send(event);
    if (journal.finished) return;
    const unsubscribe = journal.subscribe(send);
    call.on('cancelled', unsubscribe);
    call.on('finish', unsubscribe);
    this.log.info('watcher connected', { peer: call.getPeer() });
  }

  /** A Report stream: the TaskResult, then its gradient chunks; answered once it ends, or as soon as something is refused. */
  private report(call: grpc.ServerReadableStream<ReportPart__Output, ReportReply>, callback: grpc.sendUnaryData<ReportReply>): void {
    if (!this.token.accepts(call.metadata)) {
      this.metrics?.rejected('report', 'unauthenticated');
      return callback({ code: grpc.status.UNAUTHENTICATED, details: 'missing or wrong token' });
    }
    let receiver: ReportReceiver | null = null;
    let workerId = '';
    let answered = false;
    const refuse = (refusal: ReportRefusal): void => {
      answered = true;
      this.metrics?.rejected('report', refusal.problem === 'invalid' ? 'invalid-result' : refusal.problem);
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
        this.metrics?.gradientReceived(part.gradient.values.byteLength);
        if (!receiver) return malformed('a gradient chunk before its TaskResult');
        const refusal = receiver.chunk(part.gradient.offset, part.gradient.values);
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
    if (!this.token.accepts(call.metadata)) {
      this.metrics?.rejected('heartbeat', 'unauthenticated');
      return callback({ code: grpc.status.UNAUTHENTICATED, details: 'missing or wrong token' });
    }
    const generation = this.pool.heartbeat(call.request.workerId, call.request.session, call.getPeer());
    if (generation === null) {
      this.metrics?.rejected('heartbeat', 'unknown-session');
      return callback({ code: grpc.status.FAILED_PRECONDITION, details: 'unknown worker session: join again' });
    }
    callback(null, { generation });
  }
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
      if (reason === 'finished') call.end();
      else call.emit('error', { code: CLOSE_CODES[reason], details: `${reason}: ${detail}` });
    },
  };
}
