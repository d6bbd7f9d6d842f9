/**
 * A worker's Prometheus metrics: what it computed, how long that took, what
 * it moved over the wire, and who it is (kfkd_worker_info). Labels are
 * bounded: `part` (train, valid), `code` (gRPC status names); the worker id,
 * backend and device appear only on the info series.
 */
import { Counter, DURATION_BUCKETS, Gauge, Histogram, type Registry, createRegistry } from '@kfkd/metrics';
import type { PartName } from '@kfkd/proto';

export interface WorkerIdentity {
  readonly id: string;
  readonly backend: string;
  readonly device: string;
}

export interface ComputedTask {
  readonly part: PartName;
  readonly epoch: number;
  readonly step: number;
  readonly rows: number;
  readonly lossSum: number;
  readonly seconds: number;
  readonly parameterBytes: number;
  readonly gradientBytes: number;
}

export class WorkerMetrics {
  private readonly samples: Counter<'part'>;
  private readonly computeDuration: Histogram<'part'>;
  private readonly taskLoss: Gauge<'part'>;
  private readonly parameterBytes: Counter;
  private readonly gradientBytes: Counter;
  private readonly shardBytes: Counter;
  private readonly epoch: Gauge;
  private readonly step: Gauge;
  private readonly connected: Gauge;
  private readonly sessions: Counter;
  private readonly refused: Counter<'code'>;
  private readonly ringRounds: Counter<'outcome'>;

  constructor(
    identity: WorkerIdentity,
    readonly registry: Registry = createRegistry(),
  ) {
    const registers = [registry];
    new Gauge({ name: 'kfkd_worker_info', help: 'Always 1: the id, compute backend and device of this worker.', labelNames: ['worker', 'backend', 'device'], registers }).set(
      { worker: identity.id, backend: identity.backend, device: identity.device },
      1,
    );
    this.samples = new Counter({ name: 'kfkd_worker_samples_processed_total', help: 'Rows this worker computed a gradient (train) or loss (valid) for.', labelNames: ['part'], registers });
    this.computeDuration = new Histogram({
      name: 'kfkd_worker_compute_duration_seconds',
      help: 'Time this worker spent computing one task (forward, backward, sums), by part.',
      labelNames: ['part'],
      buckets: [...DURATION_BUCKETS],
      registers,
    });
    this.taskLoss = new Gauge({ name: 'kfkd_worker_task_loss', help: 'Mean loss over the rows of the last task this worker computed, by part.', labelNames: ['part'], registers });
    this.parameterBytes = new Counter({ name: 'kfkd_worker_parameter_bytes_received_total', help: 'Bytes of parameters received in tasks.', registers });
    this.gradientBytes = new Counter({ name: 'kfkd_worker_gradient_bytes_sent_total', help: 'Bytes of gradient sums sent in results.', registers });
    this.shardBytes = new Counter({ name: 'kfkd_worker_shard_bytes_received_total', help: 'Bytes of data rows (pixels and targets) received in shard updates.', registers });
    this.epoch = new Gauge({ name: 'kfkd_worker_epoch', help: 'Epoch of the last task computed.', registers });
    this.step = new Gauge({ name: 'kfkd_worker_step', help: 'Step (within its epoch) of the last training task computed.', registers });
    this.connected = new Gauge({ name: 'kfkd_worker_connected', help: '1 while the worker is in a session with the coordinator, else 0.', registers });
    this.sessions = new Counter({ name: 'kfkd_worker_sessions_total', help: 'Sessions begun (Welcome received); more than 1 means the worker reconnected.', registers });
    this.refused = new Counter({ name: 'kfkd_worker_refused_results_total', help: 'Results the coordinator refused, by gRPC status code.', labelNames: ['code'], registers });
    this.ringRounds = new Counter({
      name: 'kfkd_worker_ring_rounds_total',
      help: "Ring rounds this worker took part in, by outcome: passed (its running sum went to the next worker), reported (it was the last and reported the ring's sum), dropped (a broken or unreachable peer, a newer round; the coordinator computes the round again).",
      labelNames: ['outcome'],
      registers,
    });
    // Known label values start at 0, so rate() sees the first task.
    for (const part of ['train', 'valid'] as const) this.samples.inc({ part }, 0);
    for (const outcome of RING_ROUND_OUTCOMES) this.ringRounds.inc({ outcome }, 0);
  }

  taskComputed(task: ComputedTask): void {
    const part = task.part;
    this.samples.inc({ part }, task.rows);
    this.computeDuration.observe({ part }, task.seconds);
    if (task.rows > 0) this.taskLoss.set({ part }, task.lossSum / task.rows);
    this.parameterBytes.inc(task.parameterBytes);
    this.gradientBytes.inc(task.gradientBytes);
    this.epoch.set(task.epoch);
    if (part === 'train') this.step.set(task.step);
  }

  shardReceived(bytes: number): void {
    this.shardBytes.inc(bytes);
  }

  sessionBegun(): void {
    this.sessions.inc();
  }

  /** Follows the worker's state: connected while `joined`. */
  setConnected(connected: boolean): void {
    this.connected.set(connected ? 1 : 0);
  }

  resultRefused(code: string): void {
    this.refused.inc({ code });
  }

  ringRoundEnded(outcome: RingRoundOutcome): void {
    this.ringRounds.inc({ outcome });
  }
}

/** How a ring round ended for this worker (ring-round.ts's RoundOutcome kinds). */
export type RingRoundOutcome = 'passed' | 'reported' | 'dropped';
const RING_ROUND_OUTCOMES = ['passed', 'reported', 'dropped'] as const satisfies readonly RingRoundOutcome[];
