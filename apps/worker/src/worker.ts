/**
 * A worker of distributed training: joins the coordinator, holds the shard it
 * is sent, computes the tasks it is given, and reconnects with backoff
 * whenever its session ends other than by the end of training. Each session
 * (one Join stream) is a WorkerSession of its own (session.ts); this file is
 * the reconnection loop and the gRPC layer over it.
 *
 * States (every transition is logged):
 * - created:     constructed, run() not called yet
 * - connecting:  Join sent, no Welcome yet
 * - joined:      in a session: receiving shards and tasks (session.ts)
 * - backing-off: the session ended; waiting before the next Join (none after
 *                Moved: the worker joins again at once, for another job)
 * - stopped:     run() resolved (training over, or shutdown())
 * - failed:      run() rejected: refused for good (wrong token, other protocol version, TLS handshake refused; see session-end.ts)
 *
 * Ready (`ready`, the /readyz probe): joined and holding a complete parameter
 * vector of this session. The coordinator sends a new version with the first
 * task that uses it, so between tasks the newest version the worker was sent
 * is the current one as far as anyone can tell it.
 *
 * Ring steps: with `peers.serve`, the worker serves the Peer service from
 * run() until it resolves, hands what peers pass to its current session, and
 * gives the coordinator the address to dial in every JoinRequest.
 */
import * as grpc from '@grpc/grpc-js';
import { type NetSpec, inferShapes } from '@kfkd/model';
import { type CoordinatorClient, MESSAGE_SIZE_OPTIONS, PROTOCOL_VERSION, type ReportPart, kfkdProto, tensorChunks, tokenMetadata } from '@kfkd/proto';
import { type Logger, writeInOrder } from '@kfkd/runtime';
import { callError } from './call-error.ts';
import type { TaskCompute } from './compute.ts';
import { WorkerConfigError, WorkerRefusedError } from './errors.ts';
import type { WorkerMetrics } from './metrics.ts';
import { type HostPort, advertisedPeerAddress, parseHostPort } from './peer-address.ts';
import { PeerLink } from './peer-link.ts';
import { PeerService, servePeers } from './peer-service.ts';
import { Backoff } from './reconnect.ts';
import { decideOnSessionEnd } from './session-end.ts';
import { type SessionEnd, type SessionLink, WorkerSession } from './session.ts';

export type WorkerState = 'created' | 'connecting' | 'joined' | 'backing-off' | 'stopped' | 'failed';

export interface WorkerConfig {
  /** HOST:PORT of the coordinator. */
  readonly coordinator: string;
  readonly token: string;
  /** Stable name, e.g. host-gpu0; a rejoin under it replaces the earlier session. */
  readonly id: string;
  readonly backend: { readonly name: string; readonly device: string };
  readonly credentials: grpc.ChannelCredentials;
  /** Builds the compute for a net; called once per distinct net. */
  readonly makeCompute: (spec: NetSpec) => TaskCompute;
  readonly log: Logger;
  readonly backoff?: Backoff;
  readonly metrics?: WorkerMetrics;
  /** Called when the worker makes progress or its readiness may have changed (each task, each parameter version, each transition): the liveness heartbeat. */
  readonly checkIn?: () => void;
  /** Ring steps (peer-credentials.ts makes the credentials); unset: star steps only, and ring tasks are dropped. */
  readonly peers?: PeerConfig;
}

export interface PeerConfig {
  /** Dials the next worker of a ring. */
  readonly client: grpc.ChannelCredentials;
  /** Serving the Peer service; null: not served (no peer_address is given, so the coordinator puts this worker in star steps only). */
  readonly serve: {
    /** HOST:PORT to listen at (port 0: any free one). */
    readonly listen: string;
    readonly credentials: grpc.ServerCredentials;
    /** HOST[:PORT] peers dial; null: see advertisedPeerAddress(). */
    readonly advertise: string | null;
  } | null;
}

/** The worker's channel options (exported for bench sync's grpc-js floor, which must use the same). */
export const WORKER_CHANNEL_OPTIONS: grpc.ChannelOptions = {
  ...MESSAGE_SIZE_OPTIONS,
  // No client keepalive pings: tfjs blocks this process's event loop while it
  // computes, and a ping timeout timer that expires during a long task would
  // close a healthy connection. The server pings us (generous timeout), and
  // our heartbeats notice a coordinator that went away.
  'grpc.keepalive_time_ms': -1,
  // Reconnection is ours (Backoff); keep the channel's own retries short.
  'grpc.initial_reconnect_backoff_ms': 200,
  'grpc.max_reconnect_backoff_ms': 2000,
  // HTTP/2 receive window for the parameters the coordinator streams to us.
  // The default 64 KiB window costs a WINDOW_UPDATE round trip per 64 KiB of
  // a 32-66 MB parameter vector; 64 MiB lets a whole vector be in flight.
  'grpc-node.flow_control_window': 64 * 1024 * 1024,
};

export class Worker {
  private currentState: WorkerState = 'created';
  private readonly backoff: Backoff;
  private stopping = false;
  private session: WorkerSession | null = null;
  private wake: (() => void) | null = null;
  private readonly computes = new Map<string, { compute: TaskCompute; spec: NetSpec }>();
  private accepted = 0;
  private peerLink: PeerLink | null = null;
  private peerServer: grpc.Server | null = null;
  private peerServing: { readonly listenHost: string; readonly port: number; readonly advertise: HostPort | null } | null = null;

  constructor(private readonly config: WorkerConfig) {
    this.backoff = config.backoff ?? new Backoff();
  }

  get state(): WorkerState {
    return this.currentState;
  }

  /** Joined and holding the current parameters (see the class comment). */
  get ready(): boolean {
    return this.currentState === 'joined' && (this.session?.heldParameters ?? null) !== null;
  }

  /** Results the coordinator accepted, over all sessions. */
  get tasksAccepted(): number {
    return this.accepted;
  }

  /** Works until the coordinator ends training ('finished') or shutdown() ('stopped'). @throws WorkerRefusedError */
  async run(): Promise<'finished' | 'stopped'> {
    if (this.currentState !== 'created') throw new Error(`run() called in state ${this.currentState}`);
    const Client = kfkdProto().kfkd.v1.Coordinator;
    const client = new Client(this.config.coordinator, this.config.credentials, WORKER_CHANNEL_OPTIONS) as CoordinatorClient;
    const { peers } = this.config;
    this.peerLink = peers ? new PeerLink({ credentials: peers.client, token: this.config.token, channelOptions: WORKER_CHANNEL_OPTIONS }) : null;
    try {
      if (peers?.serve) await this.servePeers(peers.serve);
      for (;;) {
        if (this.stopping) return this.finish('stopped');
        this.transition('connecting');
        const end = await this.runSession(client);
        if (end.kind === 'finished' || end.kind === 'stopped') return this.finish(end.kind);
        if (this.stopping) return this.finish('stopped');
        if (end.kind === 'moved') {
          // Not a failure: the coordinator welcomes the next Join into the job that needs this worker.
          this.backoff.reset();
          continue;
        }
        const { code, details } = end.error;
        const decision = decideOnSessionEnd({ code, details, welcomed: end.welcomed });
        if (!decision.retry) {
          this.transition('failed');
          throw new WorkerRefusedError(this.config.coordinator, decision.reason);
        }
        const delay = this.backoff.next();
        this.config.log.warn('session ended; reconnecting', { code, details, inMs: delay });
        this.transition('backing-off');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = null;
      }
    } finally {
      client.close();
      this.peerLink?.close();
      this.peerServer?.forceShutdown();
      this.peerServer = null;
    }
  }

  /** The port the Peer service is bound to, once run() serves it. */
  get peerPort(): number | null {
    return this.peerServing?.port ?? null;
  }

  private async servePeers(serve: NonNullable<PeerConfig['serve']>): Promise<void> {
    const listen = parseHostPort(serve.listen);
    if (!listen || listen.port === null) throw new WorkerConfigError(`the peer listen address must be HOST:PORT, got '${serve.listen}'`);
    const advertise = serve.advertise === null ? null : parseHostPort(serve.advertise);
    if (serve.advertise !== null && !advertise) throw new WorkerConfigError(`the peer advertised address must be HOST[:PORT], got '${serve.advertise}'`);
    const service = new PeerService({ token: this.config.token, intake: () => this.session, log: this.config.log });
    const { server, port } = await servePeers(serve.listen, serve.credentials, service).catch((error: unknown) => {
      throw new WorkerConfigError(`cannot serve ring peers at ${serve.listen}: ${error instanceof Error ? error.message : String(error)}`);
    });
    this.peerServer = server;
    this.peerServing = { listenHost: listen.host, port, advertise };
    this.config.log.info('serving ring peers', { listen: serve.listen, port });
  }

  /** What the coordinator is told to give the worker before this one; '' without peer serving, or when it cannot be found (star steps only then). */
  private async peerAddress(): Promise<string> {
    const serving = this.peerServing;
    if (!serving) return '';
    try {
      return await advertisedPeerAddress({ advertise: serving.advertise, listenHost: serving.listenHost, boundPort: serving.port, coordinator: parseHostPort(this.config.coordinator) ?? { host: this.config.coordinator, port: null } });
    } catch (error) {
      this.config.log.warn('no peer address to advertise: star steps only in this session', { error: error instanceof Error ? error.message : String(error) });
      return '';
    }
  }

  /** Leaves the coordinator and ends run(). Legal in any state before stopped/failed. */
  shutdown(): void {
    if (this.currentState === 'stopped' || this.currentState === 'failed') return;
    this.stopping = true;
    this.session?.stop();
    this.wake?.();
  }

  /** One Join stream, handed to a WorkerSession (session.ts): the stream's commands and end go in, its reports and heartbeats come out. */
  private async runSession(client: CoordinatorClient): Promise<SessionEnd> {
    const { config } = this;
    const peerAddress = await this.peerAddress();
    const call = client.join({ protocolVersion: PROTOCOL_VERSION, workerId: config.id, backend: config.backend.name, device: config.backend.device, peerAddress }, tokenMetadata(config.token));
    const session = new WorkerSession({
      link: grpcLink(client, config.token, () => call.cancel()),
      dial: this.peerLink?.dial,
      computeFor: (specJson) => this.computeFor(specJson),
      log: config.log,
      metrics: config.metrics,
      checkIn: config.checkIn,
      onWelcome: () => {
        this.backoff.reset();
        this.transition('joined');
      },
      onAccepted: () => this.accepted++,
    });
    this.session = session;
    call.on('data', (command) => session.receive(command));
    call.on('error', (error: grpc.ServiceError) => session.streamFailed(callError(error)));
    call.on('end', () => session.streamEnded());
    try {
      return await session.ended;
    } finally {
      this.session = null;
    }
  }

  /** The compute of a net, made once per distinct net. @throws when the net is unusable */
  private computeFor(specJson: string): { compute: TaskCompute; spec: NetSpec } {
    const spec = JSON.parse(specJson) as NetSpec;
    inferShapes(spec);
    let cached = this.computes.get(specJson);
    if (!cached) {
      cached = { compute: this.config.makeCompute(spec), spec };
      this.computes.set(specJson, cached);
    }
    return cached;
  }

  private finish(outcome: 'finished' | 'stopped'): 'finished' | 'stopped' {
    this.transition('stopped');
    return outcome;
  }

  private transition(next: WorkerState): void {
    if (next === this.currentState) return;
    this.config.log.info('worker state', { from: this.currentState, to: next });
    this.currentState = next;
    this.config.metrics?.setConnected(next === 'joined');
    this.config.checkIn?.();
  }
}

/** A session's calls to the coordinator over gRPC. */
function grpcLink(client: CoordinatorClient, token: string, cancel: () => void): SessionLink {
  return {
    report: (result, gradient) =>
      new Promise((resolve) => {
        const report = client.report(tokenMetadata(token), (error) => resolve(error ? callError(error) : null));
        const parts: ReportPart[] = [{ result }, ...(gradient ? tensorChunks(gradient).map((chunk) => ({ gradient: chunk })) : [])];
        void writeInOrder(report, parts).then(() => {
          if (!report.destroyed) report.end();
        });
      }),
    reportStream: (result, chunks, hops) =>
      new Promise((resolve) => {
        const report = client.report(tokenMetadata(token), (error) => resolve(error ? callError(error) : null));
        void (async () => {
          await writeInOrder(report, [{ result }]);
          for await (const chunk of chunks) {
            if (report.destroyed) return;
            await writeInOrder(report, [{ gradient: chunk }]);
          }
          if (hops && !report.destroyed) await writeInOrder(report, [{ ringHops: { hops: [...hops()] } }]);
          if (!report.destroyed) report.end();
        })().catch(() => {
          // The sum broke off: the coordinator must not take a partial gradient.
          report.cancel();
        });
      }),
    heartbeat: (session) =>
      new Promise((resolve) => {
        client.heartbeat(session, tokenMetadata(token), { deadline: Date.now() + 10_000 }, (error) => resolve(error ? callError(error) : null));
      }),
    cancel,
  };
}
