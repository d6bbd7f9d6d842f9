/**
 * The coordinator's Prometheus metrics. They observe the work: the pool and
 * the gradient source emit events through the observer interfaces they
 * define (PoolObserver, GradientSourceObserver), which this class
 * implements; the gRPC service reports what it refused and received; the
 * trainer's progress arrives through observer(). Label values are bounded:
 * `worker` takes the ids of the current members only (series of a worker
 * are removed when it leaves), so their number is bounded by the cluster
 * size; steps and epochs are values, never labels.
 */
import { Counter, DURATION_BUCKETS, Gauge, Histogram, type Registry, createRegistry } from '@kfkd/metrics';
import { type EpochRecord, type NetSpec, type TrainerObserver, type TrainerState, hyperparametersForEpoch } from '@kfkd/model';
import { LEAVE_REASONS, PART_NAMES, type PartName } from '@kfkd/proto';
import type { EdgeObserver, RejectReason, Rpc } from './edge-observer.ts';
import type { Member } from './membership.ts';
import type { PoolObserver, TaskDone } from './pool-events.ts';
import type { GradientSourceObserver } from './remote-source.ts';
import type { JobPhases } from './step-job.ts';
import type { FailureRecord } from './worker-registry.ts';
import { SESSION_REFUSALS, type SessionCounts, type SessionObserver, type SessionRefusal } from './session-guard.ts';
import { VIEWER_DROPS, type ViewerDrop, type ViewerObserver } from './watch-viewers.ts';

/** Phases of a training step, in order; `update` includes the step observers (logging, metrics). */
export type StepPhase = 'wait' | 'shard' | 'compute' | 'reduce' | 'update';

export type { JobPhases } from './step-job.ts';

export class CoordinatorMetrics implements EdgeObserver, PoolObserver, GradientSourceObserver, SessionObserver, ViewerObserver {
  private readonly samples: Counter<'part'>;
  private readonly steps: Counter;
  private readonly stepDuration: Histogram;
  private readonly phaseDuration: Histogram<'phase'>;
  private readonly validationDuration: Histogram;
  private readonly parameterBytes: Counter;
  private readonly shardBytes: Counter;
  private readonly gradientBytes: Counter;
  private readonly epoch: Gauge;
  private readonly step: Gauge;
  private readonly stepsPerEpoch: Gauge;
  private readonly maxEpochs: Gauge;
  private readonly stepLoss: Gauge;
  private readonly trainLoss: Gauge;
  private readonly validLoss: Gauge;
  private readonly validRmse: Gauge;
  private readonly epochDuration: Gauge;
  private readonly learningRate: Gauge;
  private readonly momentum: Gauge;
  private readonly removals: Counter<'reason'>;
  private readonly rejections: Counter<'rpc' | 'reason'>;
  private readonly memberTaskSeconds: Counter<'worker'>;
  private readonly memberSamples: Counter<'worker'>;
  private readonly sessionRefusals: Counter<'reason'>;
  private readonly viewerDrops: Counter<'reason'>;
  private members: () => readonly Member[] = () => [];
  private sessions: () => SessionCounts = () => ({ authenticated: 0, unauthenticated: 0 });
  private stepStartedAt: number | null = null;
  private sumsReadyAt: number | null = null;

  constructor(readonly registry: Registry = createRegistry()) {
    const registers = [registry];
    const counter = <L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> => new Counter({ name, help, labelNames, registers });
    const gauge = (name: string, help: string): Gauge => new Gauge({ name, help, registers });
    const histogram = <L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Histogram<L> =>
      new Histogram({ name, help, labelNames, buckets: [...DURATION_BUCKETS], registers });

    this.samples = counter('kfkd_samples_processed_total', 'Rows whose gradient (part=train) or loss (part=valid) the workers computed and the coordinator accepted.', ['part']);
    this.steps = counter('kfkd_steps_total', 'Training steps applied (Nesterov updates).');
    this.stepDuration = histogram('kfkd_step_duration_seconds', 'Wall time of a training step, from handing out the batch to the applied update.');
    this.phaseDuration = histogram(
      'kfkd_step_phase_duration_seconds',
      'Wall time of the phases of a training step: wait (for enough workers), shard (shipping rows), compute (tasks out until every result is in), reduce (putting the parts of the workers in their fixed order), update (summing the parts in that order fused with the Nesterov update, and observers).',
      ['phase'],
    );
    this.validationDuration = histogram('kfkd_validation_duration_seconds', "Wall time of an epoch's validation pass across the workers.");
    this.parameterBytes = counter('kfkd_parameter_bytes_sent_total', 'Bytes of parameters sent to workers in tasks.');
    this.shardBytes = counter('kfkd_shard_bytes_sent_total', 'Bytes of data rows (pixels and targets) sent to workers in shard updates.');
    this.gradientBytes = counter('kfkd_gradient_bytes_received_total', 'Bytes of gradient sums received in authenticated results (accepted or not).');
    this.epoch = gauge('kfkd_epoch', 'The epoch in progress (1-based).');
    this.step = gauge('kfkd_step', 'Steps completed in the epoch in progress.');
    this.stepsPerEpoch = gauge('kfkd_steps_per_epoch', 'Training steps in one epoch.');
    this.maxEpochs = gauge('kfkd_epochs_max', 'Epochs the run trains for at most.');
    this.stepLoss = gauge('kfkd_step_loss', 'Mean loss of the last training batch.');
    this.trainLoss = gauge('kfkd_train_loss', 'Mean training loss of the last completed epoch.');
    this.validLoss = gauge('kfkd_valid_loss', 'Validation loss of the last completed epoch.');
    this.validRmse = gauge('kfkd_valid_rmse_pixels', 'Validation RMSE of the last completed epoch, in pixels of the 96x96 image.');
    this.epochDuration = gauge('kfkd_epoch_duration_seconds', 'Wall time of the last completed epoch.');
    this.learningRate = gauge('kfkd_learning_rate', 'Learning rate of the epoch in progress.');
    this.momentum = gauge('kfkd_momentum', 'Nesterov momentum of the epoch in progress.');
    this.removals = counter('kfkd_removed_workers_total', 'Workers removed from the run, by reason.', ['reason']);
    this.rejections = counter('kfkd_rejected_messages_total', 'Requests refused, by rpc and reason.', ['rpc', 'reason']);
    this.memberTaskSeconds = counter('kfkd_member_task_seconds_total', 'Per current member: seconds from sending its tasks to accepting their results (compute plus transfer).', ['worker']);
    this.memberSamples = counter('kfkd_member_samples_processed_total', 'Per current member: rows of its accepted results.', ['worker']);

    this.sessionRefusals = counter(
      'kfkd_grpc_sessions_refused_total',
      'gRPC connections refused or closed by the session limits, by reason (too-many-sessions, too-many-unauthenticated, authentication-timeout).',
      ['reason'],
    );
    this.viewerDrops = counter('kfkd_watch_viewers_dropped_total', 'Watch streams refused (too-many-viewers) or disconnected for falling behind (slow).', ['reason']);

    // Known label values start at 0, so rate() and increase() see the first event.
    for (const reason of SESSION_REFUSALS) this.sessionRefusals.inc({ reason }, 0);
    for (const reason of VIEWER_DROPS) this.viewerDrops.inc({ reason }, 0);
    for (const part of PART_NAMES) this.samples.inc({ part }, 0);
    for (const reason of LEAVE_REASONS) this.removals.inc({ reason }, 0);

    const members = (): readonly Member[] => this.members();
    const alive = new Gauge({
      name: 'kfkd_workers',
      help: 'Workers connected, by state (pending: joined, takes part from the next step).',
      labelNames: ['state'],
      registers,
      collect() {
        const list = members();
        alive.set({ state: 'active' }, list.filter((m) => m.state === 'active').length);
        alive.set({ state: 'pending' }, list.filter((m) => m.state === 'pending').length);
      },
    });
    const sessions = (): SessionCounts => this.sessions();
    const open = new Gauge({
      name: 'kfkd_grpc_sessions',
      help: 'gRPC connections open, by state (unauthenticated: no call has passed the token check yet).',
      labelNames: ['state'],
      registers,
      collect() {
        const counts = sessions();
        open.set({ state: 'authenticated' }, counts.authenticated);
        open.set({ state: 'unauthenticated' }, counts.unauthenticated);
      },
    });
    const info = new Gauge({
      name: 'kfkd_member_info',
      help: 'Always 1, one series per current member, naming its compute backend and device.',
      labelNames: ['worker', 'backend', 'device'],
      registers,
      collect() {
        info.reset();
        for (const m of members()) info.set({ worker: m.id, backend: m.backend, device: m.device }, 1);
      },
    });
  }

  /** Where kfkd_workers and kfkd_member_info read the current members at scrape time. */
  watchMembers(members: () => readonly Member[]): void {
    this.members = members;
  }

  /** An observer for the trainer: epoch, step, losses and hyperparameters. Put it first, so `update` ends before other observers run. */
  observer(spec: NetSpec): TrainerObserver {
    this.maxEpochs.set(spec.training.maxEpochs);
    return {
      onStep: ({ epoch, step, steps, stepLoss }) => {
        const now = performance.now();
        if (this.sumsReadyAt !== null) this.phaseDuration.observe({ phase: 'update' }, (now - this.sumsReadyAt) / 1000);
        if (this.stepStartedAt !== null) this.stepDuration.observe((now - this.stepStartedAt) / 1000);
        this.stepStartedAt = this.sumsReadyAt = null;
        this.steps.inc();
        const { learningRate, momentum } = hyperparametersForEpoch(spec, epoch);
        this.learningRate.set(learningRate);
        this.momentum.set(momentum);
        this.epoch.set(epoch);
        this.step.set(step + 1);
        this.stepsPerEpoch.set(steps);
        this.stepLoss.set(stepLoss);
      },
      onEpoch: (record) => this.epochDone(record),
    };
  }

  /** A resumed run starts from its checkpoint's epoch, step and last losses, not from blank gauges. */
  resumed(state: TrainerState): void {
    this.epoch.set(state.epoch);
    this.step.set(state.step);
    const last = state.history.at(-1);
    if (last) this.epochDone(last);
  }

  private epochDone(record: EpochRecord): void {
    this.trainLoss.set(record.trainLoss);
    this.validLoss.set(record.validLoss);
    this.validRmse.set(record.validRmsePx);
    this.epochDuration.set(record.seconds);
  }

  /** The gradient source starts a training step. */
  stepStarted(): void {
    this.stepStartedAt = performance.now();
  }

  /** The gradient source has summed the parts of a step. */
  sumsReady(reduceSeconds: number): void {
    this.phaseDuration.observe({ phase: 'reduce' }, reduceSeconds);
    this.sumsReadyAt = performance.now();
  }

  /** The pool has computed a whole job. */
  jobDone(part: PartName, phases: JobPhases): void {
    if (part === 'valid') {
      this.validationDuration.observe(phases.wait + phases.shard + phases.compute);
      return;
    }
    for (const phase of ['wait', 'shard', 'compute'] as const) this.phaseDuration.observe({ phase }, phases[phase]);
  }

  /** The pool accepted a task's result. */
  taskDone({ member, part, rows, seconds }: TaskDone): void {
    this.samples.inc({ part }, rows);
    this.memberSamples.inc({ worker: member.id }, rows);
    this.memberTaskSeconds.inc({ worker: member.id }, seconds);
  }

  parametersSent(bytes: number): void {
    this.parameterBytes.inc(bytes);
  }

  shardSent(bytes: number): void {
    this.shardBytes.inc(bytes);
  }

  gradientReceived(bytes: number): void {
    this.gradientBytes.inc(bytes);
  }

  /** The pool removed a worker. */
  workerLeft({ worker, reason }: FailureRecord): void {
    this.removals.inc({ reason });
    // A later member of the same id starts from zero: rate() treats it as a counter reset.
    this.memberTaskSeconds.remove({ worker });
    this.memberSamples.remove({ worker });
  }

  rejected(rpc: Rpc, reason: RejectReason): void {
    this.rejections.inc({ rpc, reason });
  }

  /** Where kfkd_grpc_sessions reads the open sessions at scrape time (the server's SessionGuard). */
  watchSessions(counts: () => SessionCounts): void {
    this.sessions = counts;
  }

  sessionRefused(reason: SessionRefusal): void {
    this.sessionRefusals.inc({ reason });
  }

  viewerDropped(reason: ViewerDrop): void {
    this.viewerDrops.inc({ reason });
  }
}
