/**
 * A worker of distributed training: joins the coordinator, holds the shard it
 * is sent, computes the tasks it is given, and reconnects with backoff
 * whenever its session ends other than by the end of training.
 *
 * States (every transition is logged):
 * - created:     constructed, run() not called yet
 * - connecting:  Join sent, no Welcome yet
 * - joined:      in a session: receiving shards and tasks
 * - backing-off: the session ended; waiting before the next Join
 * - stopped:     run() resolved (training over, or shutdown())
 * - failed:      run() rejected: refused for good (wrong token, other protocol version, TLS handshake refused; see session-end.ts)
 *
 * Ready (`ready`, the /readyz probe): joined and holding a complete parameter
 * vector of this session. The coordinator sends a new version with the first
 * task that uses it, so between tasks the newest version the worker was sent
 * is the current one as far as anyone can tell it.
 */
import * as grpc from '@grpc/grpc-js';
import { type NetSpec, inferShapes } from '@kfkd/model';
import {
  type Command__Output,
  type CoordinatorClient,
  MESSAGE_SIZE_OPTIONS,
  PROTOCOL_VERSION,
  type ParameterChunk__Output,
  type ReportPart,
  type Task__Output,
  TensorAssembly,
  type Welcome__Output,
  float32sOf,
  kfkdProto,
  tensorChunks,
  tokenMetadata,
} from '@kfkd/proto';
import type { TaskCompute } from './compute.ts';
import { WorkerRefusedError } from './errors.ts';
import { type Logger, writeInOrder } from '@kfkd/runtime';
import type { WorkerMetrics } from './metrics.ts';
import { Backoff } from './reconnect.ts';
import { decideOnSessionEnd } from './session-end.ts';
import { type PartName, ShardStore } from './shard-store.ts';

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

/** Heartbeats that fail in a row before the worker gives the session up. */
const HEARTBEAT_FAILURES = 3;

type SessionEnd = { readonly kind: 'finished' } | { readonly kind: 'stopped' } | { readonly kind: 'error'; readonly error: grpc.ServiceError; readonly welcomed: boolean };

export class Worker {
  private currentState: WorkerState = 'created';
  private readonly backoff: Backoff;
  private stopping = false;
  private call: grpc.ClientReadableStream<Command__Output> | null = null;
  private wake: (() => void) | null = null;
  private readonly computes = new Map<string, { compute: TaskCompute; spec: NetSpec }>();
  private accepted = 0;
  /** The complete parameter version this session holds, if any. */
  private heldParameters: number | null = null;

  constructor(private readonly config: WorkerConfig) {
    this.backoff = config.backoff ?? new Backoff();
  }

  get state(): WorkerState {
    return this.currentState;
  }

  /** Joined and holding the current parameters (see the class comment). */
  get ready(): boolean {
    return this.currentState === 'joined' && this.heldParameters !== null;
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
    try {
      for (;;) {
        if (this.stopping) return this.finish('stopped');
        this.transition('connecting');
        const end = await this.session(client);
        if (end.kind === 'finished' || end.kind === 'stopped') return this.finish(end.kind);
        if (this.stopping) return this.finish('stopped');
        const { code, details } = end.error;
        const decision = decideOnSessionEnd({ code: grpc.status[code] ?? String(code), details: details ?? '', welcomed: end.welcomed });
        if (!decision.retry) {
          this.transition('failed');
          throw new WorkerRefusedError(this.config.coordinator, decision.reason);
        }
        const delay = this.backoff.next();
        this.config.log.warn('session ended; reconnecting', { code: grpc.status[code], details, inMs: delay });
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
    }
  }

  /** Leaves the coordinator and ends run(). Legal in any state before stopped/failed. */
  shutdown(): void {
    if (this.currentState === 'stopped' || this.currentState === 'failed') return;
    this.stopping = true;
    this.call?.cancel();
    this.wake?.();
  }

  private session(client: CoordinatorClient): Promise<SessionEnd> {
    const { config } = this;
    const metadata = (): grpc.Metadata => tokenMetadata(config.token);
    return new Promise<SessionEnd>((resolve) => {
      const call = client.join({ protocolVersion: PROTOCOL_VERSION, workerId: config.id, backend: config.backend.name, device: config.backend.device }, metadata());
      this.call = call;
      let welcome: Welcome__Output | null = null;
      let compute: TaskCompute | null = null;
      let shard: ShardStore | null = null;
      let finished = false;
      // The parameter vector being received or last received, in one buffer reused across versions.
      let parameters: { version: number; assembly: TensorAssembly } | null = null;
      let parameterBytesReceived = 0;
      let queue = Promise.resolve();
      let heartbeat: NodeJS.Timeout | null = null;
      let heartbeatFailures = 0;
      let ended = false;
      let firstTaskSeen = false;
      const end = (outcome: SessionEnd): void => {
        if (ended) return;
        ended = true;
        if (heartbeat) clearInterval(heartbeat);
        this.call = null;
        this.heldParameters = null;
        resolve(outcome);
      };
      const abandon = (why: string, fields: Record<string, string | number> = {}): void => {
        config.log.error(why, fields);
        call.cancel();
      };

      const runTask = async (task: Task__Output): Promise<void> => {
        if (!welcome || !compute || !shard || ended) return;
        if (!firstTaskSeen) {
          firstTaskSeen = true;
          config.log.info('first task of the session', { session: welcome.session, epoch: task.epoch, step: task.step, rows: task.rows.length });
        }
        if (!parameters || parameters.version !== task.parametersVersion || !parameters.assembly.complete) {
          return abandon('task without its parameters', { task: task.taskId, version: task.parametersVersion, have: parameters?.version ?? 0, values: parameters?.assembly.received ?? 0 });
        }
        const part: PartName = task.part === 'PART_VALID' ? 'valid' : 'train';
        let out;
        const started = performance.now();
        try {
          out = compute({ part, parameters: parameters.assembly.destination, rows: task.rows, positions: task.positions, flipMask: task.flipMask, dropoutSeed: task.dropoutSeed }, shard);
        } catch (error) {
          return abandon('task failed', { task: task.taskId, error: error instanceof Error ? error.message : String(error) });
        }
        config.metrics?.taskComputed({
          part,
          epoch: task.epoch,
          step: task.step,
          rows: out.count,
          lossSum: out.lossSum,
          seconds: (performance.now() - started) / 1000,
          parameterBytes: parameterBytesReceived,
          gradientBytes: out.gradSum?.byteLength ?? 0,
        });
        parameterBytesReceived = 0;
        config.checkIn?.();
        await new Promise<void>((done) => {
          const report = client.report(metadata(), (error) => {
            if (error) config.metrics?.resultRefused(grpc.status[error.code]);
            if (error) config.log.warn('result refused', { task: task.taskId, code: grpc.status[error.code], details: error.details });
            else this.accepted++;
            done();
          });
          const { workerId, session } = welcome!;
          const parts: ReportPart[] = [
            { result: { workerId, session, generation: task.generation, taskId: task.taskId, epoch: task.epoch, step: task.step, lossSum: out.lossSum, count: out.count } },
            ...(out.gradSum ? tensorChunks(out.gradSum).map((gradient) => ({ gradient })) : []),
          ];
          void writeInOrder(report, parts).then(() => {
            if (!report.destroyed) report.end();
          });
        });
      };

      const receiveParameters = (chunk: ParameterChunk__Output): void => {
        if (!welcome) return;
        if (!parameters || parameters.version !== chunk.version) {
          // A new version starts at value 0 and overwrites the buffer of the previous one.
          const buffer = parameters?.assembly.destination ?? new Float32Array(welcome.parameterCount);
          parameters = { version: chunk.version, assembly: new TensorAssembly(buffer) };
        }
        const problem = parameters.assembly.add(chunk.offset, chunk.values);
        if (problem) return abandon('unusable parameters from the coordinator', { version: chunk.version, problem });
        parameterBytesReceived += chunk.values.byteLength;
        if (parameters.assembly.complete && this.heldParameters !== chunk.version) {
          this.heldParameters = chunk.version;
          config.checkIn?.();
        }
      };

      call.on('data', (command: Command__Output) => {
        switch (command.command) {
          case 'welcome': {
            const w = command.welcome!;
            let spec: NetSpec;
            try {
              spec = JSON.parse(w.specJson) as NetSpec;
              inferShapes(spec);
            } catch (error) {
              return abandon('unusable net from the coordinator', { error: error instanceof Error ? error.message : String(error) });
            }
            let cached = this.computes.get(w.specJson);
            if (!cached) {
              cached = { compute: config.makeCompute(spec), spec };
              this.computes.set(w.specJson, cached);
            }
            welcome = w;
            compute = cached.compute;
            shard = new ShardStore(spec.outputs);
            this.backoff.reset();
            config.metrics?.sessionBegun();
            this.transition('joined');
            config.log.info('joined', { worker: w.workerId, session: w.session, generation: w.generation, net: spec.name, parameters: w.parameterCount });
            heartbeat = setInterval(() => {
              client.heartbeat({ workerId: w.workerId, session: w.session, generation: w.generation }, metadata(), { deadline: Date.now() + 10_000 }, (error) => {
                if (!error) {
                  heartbeatFailures = 0;
                  return;
                }
                if (error.code === grpc.status.FAILED_PRECONDITION || error.code === grpc.status.UNAUTHENTICATED) return abandon('heartbeat refused', { details: error.details });
                // Heartbeats can time out while a long task blocks this process: only several in a row count.
                if (++heartbeatFailures >= HEARTBEAT_FAILURES) abandon('coordinator unreachable', { details: error.details });
              });
            }, w.heartbeatIntervalMs);
            break;
          }
          case 'shard': {
            const s = command.shard!;
            config.metrics?.shardReceived(s.pixels.byteLength + s.targets.byteLength);
            queue = queue.then(() => {
              if (!shard) return;
              const part: PartName = s.part === 'PART_VALID' ? 'valid' : 'train';
              try {
                shard.drop(part, s.dropRows);
                if (s.addRows.length > 0) shard.add(part, s.addRows, s.pixels, float32sOf(s.targets) ?? new Float32Array(0));
              } catch (error) {
                abandon('unusable shard update', { error: error instanceof Error ? error.message : String(error) });
              }
            });
            break;
          }
          case 'parameters': {
            const chunk = command.parameters!;
            queue = queue.then(() => receiveParameters(chunk));
            break;
          }
          case 'task': {
            const task = command.task!;
            queue = queue.then(() => runTask(task));
            break;
          }
          case 'finished':
            finished = true;
            config.log.info('training is over', { reason: command.finished!.reason });
            break;
        }
      });
      call.on('error', (error: grpc.ServiceError) => {
        if (this.stopping && error.code === grpc.status.CANCELLED) return end({ kind: 'stopped' });
        end({ kind: 'error', error, welcomed: welcome !== null });
      });
      call.on('end', () => {
        if (finished) end({ kind: 'finished' });
        else if (this.stopping) end({ kind: 'stopped' });
        else end({ kind: 'error', error: Object.assign(new Error('stream ended'), { code: grpc.status.UNAVAILABLE, details: 'stream ended', metadata: new grpc.Metadata() }), welcomed: welcome !== null });
      });
    });
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
