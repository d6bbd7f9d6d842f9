/**
 * The coordinator's Prometheus metrics. They observe the work: the pool and
 * the gradient source emit events through the observer interfaces they
 * define (PoolObserver, GradientSourceObserver), which a run's metrics
 * (JobMetrics) implement; the gRPC service reports what it refused and
 * received; the trainer's progress arrives through observer(). Label values
 * are bounded: `worker` takes the ids of the current members only (series
 * of a worker are removed when it leaves), so their number is bounded by the
 * cluster size; steps and epochs are values, never labels.
 *
 * One run (`new CoordinatorMetrics()`): the per-run series have no job
 * label, and CoordinatorMetrics is itself the run's metrics. A pool of jobs
 * (`new CoordinatorMetrics(registry, { pool: true })`): every per-run series
 * carries JOB_LABEL, one value per job of the pool (job(name) gives a job
 * its metrics); the pool-wide ones (connections, refusals, viewers, gradient
 * bytes received at the edge) have none. A job's series stay after it ends
 * (its last epoch, losses and counts can still be scraped and graphed) but
 * for the members gauges, which follow running jobs only; once more than
 * `keptEndedJobs` jobs have ended, the series of the one that ended first
 * are removed. So the label takes at most the running jobs plus
 * keptEndedJobs values.
 */
import { Counter, DURATION_BUCKETS, Gauge, Histogram, type Registry, createRegistry } from '@kfkd/metrics';
import { type EpochRecord, type NetSpec, type TrainerObserver, type TrainerState, hyperparametersForEpoch } from '@kfkd/model';
import { LEAVE_REASONS, PART_NAMES, type PartName, SESSION_REFUSALS, type SessionCounts, type SessionObserver, type SessionRefusal } from '@kfkd/proto';
import type { EdgeObserver, RejectReason, Rpc } from './edge-observer.ts';
import type { Member } from './membership.ts';
import type { PoolObserver, RingRoundDone, RingRoundFailure, TaskDone } from './pool-events.ts';
import type { GradientSourceObserver } from './remote-source.ts';
import type { JobPhases } from './step-job.ts';
import type { FailureRecord } from './worker-registry.ts';
import { VIEWER_DROPS, type ViewerDrop, type ViewerObserver } from './watch-viewers.ts';

/** Phases of a training step, in order; `update` includes the step observers (logging, metrics). */
export type StepPhase = 'wait' | 'shard' | 'compute' | 'reduce' | 'update';

export type { JobPhases } from './step-job.ts';

/**
 * The label naming a job of a pool. Not `job`: Prometheus gives every
 * scraped series its target's `job` (the scrape configuration's job name)
 * and renames a `job` label of the exposition to `exported_job`.
 */
export const JOB_LABEL = 'training_job';
type JobLabel = typeof JOB_LABEL;
/** A run's label values: none for a single run, its name for a job of a pool. */
type JobLabels = Partial<Record<JobLabel, string>>;

export interface CoordinatorMetricsOptions {
  /** A pool of jobs: the per-run series carry JOB_LABEL (default false: one run, no job label, as `kfkd coordinator`). */
  readonly pool?: boolean;
  /** Ended jobs of a pool whose series are kept (default 16); see the module's comment. */
  readonly keptEndedJobs?: number;
}

/** What one run's training reports (TrainingJob): the pool's, the gradient source's and the trainer's events. */
export interface RunMetrics extends PoolObserver, GradientSourceObserver {
  /** An observer for the trainer: epoch, step, losses and hyperparameters. Put it first, so `update` ends before other observers run. */
  observer(spec: NetSpec): TrainerObserver;
  /** A resumed run starts from its checkpoint's epoch, step and last losses, not from blank gauges. */
  resumed(state: TrainerState): void;
  /** Where kfkd_workers and kfkd_member_info read the run's current members at scrape time. */
  watchMembers(members: () => readonly Member[]): void;
}

/** What forget() needs of a metric: its series' label sets, and removing one. */
interface RemovableMetric {
  get(): Promise<{ values: readonly { labels: Readonly<Record<string, string | number | undefined>> }[] }>;
  remove(labels: Readonly<Record<string, string | number | undefined>>): void;
}

/** The series of a run, labelled with JOB_LABEL in a pool. */
interface RunSeries {
  readonly samples: Counter<'part' | JobLabel>;
  readonly steps: Counter<JobLabel>;
  readonly stepDuration: Histogram<JobLabel>;
  readonly phaseDuration: Histogram<'phase' | JobLabel>;
  readonly validationDuration: Histogram<JobLabel>;
  readonly parameterBytes: Counter<JobLabel>;
  readonly shardBytes: Counter<JobLabel>;
  readonly epoch: Gauge<JobLabel>;
  readonly step: Gauge<JobLabel>;
  readonly stepsPerEpoch: Gauge<JobLabel>;
  readonly maxEpochs: Gauge<JobLabel>;
  readonly stepLoss: Gauge<JobLabel>;
  readonly trainLoss: Gauge<JobLabel>;
  readonly validLoss: Gauge<JobLabel>;
  readonly validRmse: Gauge<JobLabel>;
  readonly epochDuration: Gauge<JobLabel>;
  readonly learningRate: Gauge<JobLabel>;
  readonly momentum: Gauge<JobLabel>;
  readonly removals: Counter<'reason' | JobLabel>;
  readonly memberTaskSeconds: Counter<'worker' | JobLabel>;
  readonly memberSamples: Counter<'worker' | JobLabel>;
  readonly ringRounds: Counter<'outcome' | JobLabel>;
  readonly ringHopBytes: Counter<'from' | 'to' | JobLabel>;
  readonly ringHopSeconds: Counter<'from' | 'to' | JobLabel>;
}

/** How a ring round ended (kfkd_ring_rounds_total's outcome). */
const RING_OUTCOMES = ['summed', 'lost-worker', 'timed-out'] as const;

export class CoordinatorMetrics implements RunMetrics, EdgeObserver, SessionObserver, ViewerObserver {
  private readonly series: RunSeries;
  private readonly gradientBytes: Counter;
  private readonly rejections: Counter<'rpc' | 'reason'>;
  private readonly sessionRefusals: Counter<'reason'>;
  private readonly viewerDrops: Counter<'reason'>;
  /** The current members of each run, by its job label value ('' for a single run); read at scrape time. */
  private readonly members = new Map<string, () => readonly Member[]>();
  private sessions: () => SessionCounts = () => ({ authenticated: 0, unauthenticated: 0 });
  /** A single run's metrics (null in a pool, where job() gives each job its own). */
  private readonly single: JobMetrics | null;
  private readonly jobs = new Map<string, JobMetrics>();
  /** Ended jobs whose series are kept, the first ended first. */
  private readonly ended: string[] = [];

  constructor(
    readonly registry: Registry = createRegistry(),
    private readonly options: CoordinatorMetricsOptions = {},
  ) {
    const registers = [registry];
    const perRun = <L extends string>(labels: readonly L[]): (L | JobLabel)[] => (options.pool ? [...labels, JOB_LABEL] : [...labels]);
    const counter = <L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> => new Counter({ name, help, labelNames, registers });
    const gauge = <L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> => new Gauge({ name, help, labelNames, registers });
    const histogram = <L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Histogram<L> =>
      new Histogram({ name, help, labelNames, buckets: [...DURATION_BUCKETS], registers });

    this.series = {
      samples: counter('kfkd_samples_processed_total', 'Rows whose gradient (part=train) or loss (part=valid) the workers computed and the coordinator accepted.', perRun(['part'])),
      steps: counter('kfkd_steps_total', 'Training steps applied (Nesterov updates).', perRun([])),
      stepDuration: histogram('kfkd_step_duration_seconds', 'Wall time of a training step, from handing out the batch to the applied update.', perRun([])),
      phaseDuration: histogram(
        'kfkd_step_phase_duration_seconds',
        'Wall time of the phases of a training step: wait (for enough workers), shard (shipping rows), compute (tasks out until every result is in), reduce (putting the parts of the workers in their fixed order), update (summing the parts in that order fused with the Nesterov update, and observers).',
        perRun(['phase']),
      ),
      validationDuration: histogram('kfkd_validation_duration_seconds', "Wall time of an epoch's validation pass across the workers.", perRun([])),
      parameterBytes: counter('kfkd_parameter_bytes_sent_total', 'Bytes of parameters sent to workers in tasks.', perRun([])),
      shardBytes: counter('kfkd_shard_bytes_sent_total', 'Bytes of data rows (pixels and targets) sent to workers in shard updates.', perRun([])),
      epoch: gauge('kfkd_epoch', 'The epoch in progress (1-based).', perRun([])),
      step: gauge('kfkd_step', 'Steps completed in the epoch in progress.', perRun([])),
      stepsPerEpoch: gauge('kfkd_steps_per_epoch', 'Training steps in one epoch.', perRun([])),
      maxEpochs: gauge('kfkd_epochs_max', 'Epochs the run trains for at most.', perRun([])),
      stepLoss: gauge('kfkd_step_loss', 'Mean loss of the last training batch.', perRun([])),
      trainLoss: gauge('kfkd_train_loss', 'Mean training loss of the last completed epoch.', perRun([])),
      validLoss: gauge('kfkd_valid_loss', 'Validation loss of the last completed epoch.', perRun([])),
      validRmse: gauge('kfkd_valid_rmse_pixels', 'Validation RMSE of the last completed epoch, in pixels of the 96x96 image.', perRun([])),
      epochDuration: gauge('kfkd_epoch_duration_seconds', 'Wall time of the last completed epoch.', perRun([])),
      learningRate: gauge('kfkd_learning_rate', 'Learning rate of the epoch in progress.', perRun([])),
      momentum: gauge('kfkd_momentum', 'Nesterov momentum of the epoch in progress.', perRun([])),
      removals: counter('kfkd_removed_workers_total', 'Workers removed from the run, by reason.', perRun(['reason'])),
      memberTaskSeconds: counter('kfkd_member_task_seconds_total', 'Per current member: seconds from sending its tasks to accepting their results (compute plus transfer).', perRun(['worker'])),
      memberSamples: counter('kfkd_member_samples_processed_total', 'Per current member: rows of its accepted results.', perRun(['worker'])),
      ringRounds: counter(
        'kfkd_ring_rounds_total',
        'Training rounds summed through a ring of workers (--topology), by outcome: summed, lost-worker or timed-out (those two computed again on the star).',
        perRun(['outcome']),
      ),
      ringHopBytes: counter(
        'kfkd_ring_hop_bytes_total',
        "Per hop of the rings' running sums between current members (to=\"coordinator\": the last hop): bytes. With kfkd_ring_hop_seconds_total, each link's throughput.",
        perRun(['from', 'to']),
      ),
      ringHopSeconds: counter('kfkd_ring_hop_seconds_total', 'Per hop of the rings\' running sums between current members: seconds from its first chunk to its last, timed by the receiver.', perRun(['from', 'to'])),
    };
    this.gradientBytes = counter('kfkd_gradient_bytes_received_total', 'Bytes of gradient sums received in authenticated results (accepted or not).');
    this.rejections = counter('kfkd_rejected_messages_total', 'Requests refused, by rpc and reason.', ['rpc', 'reason']);

    this.sessionRefusals = counter(
      'kfkd_grpc_sessions_refused_total',
      'gRPC connections refused or closed by the session limits, by reason (too-many-sessions, too-many-unauthenticated, authentication-timeout).',
      ['reason'],
    );
    this.viewerDrops = counter('kfkd_watch_viewers_dropped_total', 'Watch streams refused (too-many-viewers) or disconnected for falling behind (slow).', ['reason']);

    // Known label values start at 0, so rate() and increase() see the first event (a job's, in a pool, from job()).
    for (const reason of SESSION_REFUSALS) this.sessionRefusals.inc({ reason }, 0);
    for (const reason of VIEWER_DROPS) this.viewerDrops.inc({ reason }, 0);
    this.single = options.pool ? null : new JobMetrics(this.series, {}, (members) => this.members.set('', members));

    const runs = (): [JobLabels, readonly Member[]][] => [...this.members].map(([job, members]) => [options.pool ? { [JOB_LABEL]: job } : {}, members()]);
    const alive: Gauge<'state' | JobLabel> = new Gauge({
      name: 'kfkd_workers',
      help: options.pool ? 'Workers in each running job of the pool, by state (pending: joined, takes part from the next step).' : 'Workers connected, by state (pending: joined, takes part from the next step).',
      labelNames: perRun(['state']),
      registers,
      collect() {
        if (options.pool) alive.reset();
        for (const [labels, list] of runs()) {
          alive.set({ ...labels, state: 'active' }, list.filter((m) => m.state === 'active').length);
          alive.set({ ...labels, state: 'pending' }, list.filter((m) => m.state === 'pending').length);
        }
        if (!options.pool && runs().length === 0) for (const state of ['active', 'pending'] as const) alive.set({ state }, 0);
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
    const info: Gauge<'worker' | 'backend' | 'device' | JobLabel> = new Gauge({
      name: 'kfkd_member_info',
      help: `Always 1, one series per current member, naming its compute backend and device${options.pool ? ' and its job' : ''}.`,
      labelNames: perRun(['worker', 'backend', 'device']),
      registers,
      collect() {
        info.reset();
        for (const [labels, list] of runs()) for (const m of list) info.set({ ...labels, worker: m.id, backend: m.backend, device: m.device }, 1);
      },
    });
  }

  /** True for the metrics of a pool of jobs (job() gives each job its own). */
  get ofPool(): boolean {
    return this.options.pool === true;
  }

  /**
   * The metrics of a job of the pool, its series labelled JOB_LABEL=name
   * (the same object for the same name). Only for the metrics of a pool.
   */
  job(name: string): JobMetrics {
    if (!this.options.pool) throw new Error('job(): these metrics are of one run; make them with { pool: true } for a pool of jobs');
    const ended = this.ended.indexOf(name);
    if (ended >= 0) this.ended.splice(ended, 1);
    let job = this.jobs.get(name);
    if (!job) {
      job = new JobMetrics(this.series, { [JOB_LABEL]: name }, (members) => this.members.set(name, members));
      this.jobs.set(name, job);
    }
    return job;
  }

  /**
   * A job of the pool ended: its members gauges go now, its other series
   * once `keptEndedJobs` jobs ended after it (resolves once removed).
   */
  async endJob(name: string): Promise<void> {
    if (!this.jobs.has(name) || this.ended.includes(name)) return;
    this.members.delete(name);
    this.ended.push(name);
    while (this.ended.length > (this.options.keptEndedJobs ?? 16)) await this.forget(this.ended.shift()!);
  }

  /** Removes every series of a job. */
  private async forget(name: string): Promise<void> {
    this.jobs.delete(name);
    this.members.delete(name);
    for (const metric of Object.values(this.series) as RemovableMetric[]) {
      // Series by their full label set (a histogram's without `le`): those of this job, whatever their other labels.
      for (const { labels } of (await metric.get()).values) {
        if (labels[JOB_LABEL] !== name) continue;
        metric.remove(Object.fromEntries(Object.entries(labels).filter(([key]) => key !== 'le')));
      }
    }
  }

  private get run(): JobMetrics {
    if (!this.single) throw new Error('these metrics are of a pool of jobs: report through job(name)');
    return this.single;
  }

  watchMembers(members: () => readonly Member[]): void {
    this.run.watchMembers(members);
  }

  observer(spec: NetSpec): TrainerObserver {
    return this.run.observer(spec);
  }

  resumed(state: TrainerState): void {
    this.run.resumed(state);
  }

  stepStarted(): void {
    this.run.stepStarted();
  }

  sumsReady(reduceSeconds: number): void {
    this.run.sumsReady(reduceSeconds);
  }

  jobDone(part: PartName, phases: JobPhases): void {
    this.run.jobDone(part, phases);
  }

  taskDone(done: TaskDone): void {
    this.run.taskDone(done);
  }

  parametersSent(bytes: number): void {
    this.run.parametersSent(bytes);
  }

  shardSent(bytes: number): void {
    this.run.shardSent(bytes);
  }

  ringRoundDone(round: RingRoundDone): void {
    this.run.ringRoundDone(round);
  }

  ringRoundFailed(reason: RingRoundFailure): void {
    this.run.ringRoundFailed(reason);
  }

  workerLeft(record: FailureRecord): void {
    this.run.workerLeft(record);
  }

  gradientReceived(bytes: number): void {
    this.gradientBytes.inc(bytes);
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

/** One run's metrics: a single run's (unlabelled), or a job's of a pool (its JOB_LABEL value on every series). */
export class JobMetrics implements RunMetrics {
  private stepStartedAt: number | null = null;
  private sumsReadyAt: number | null = null;

  constructor(
    private readonly series: RunSeries,
    private readonly labels: JobLabels,
    private readonly setMembers: (members: () => readonly Member[]) => void,
  ) {
    for (const part of PART_NAMES) series.samples.inc({ ...labels, part }, 0);
    for (const reason of LEAVE_REASONS) series.removals.inc({ ...labels, reason }, 0);
    for (const outcome of RING_OUTCOMES) series.ringRounds.inc({ ...labels, outcome }, 0);
  }

  /** The hops with series now, as from -> to pairs: removed with a worker that leaves. */
  private readonly hops = new Map<string, { from: string; to: string }>();

  ringRoundDone({ part, hops }: RingRoundDone): void {
    const { series: s, labels } = this;
    s.ringRounds.inc({ ...labels, outcome: 'summed' });
    // The links' throughput is the gradient's: a validation round's hops carry a few bytes each.
    if (part !== 'train') return;
    for (const hop of hops) {
      const pair = { from: hop.from, to: hop.to || 'coordinator' };
      this.hops.set(`${pair.from}\u0000${pair.to}`, pair);
      s.ringHopBytes.inc({ ...labels, ...pair }, hop.bytes);
      s.ringHopSeconds.inc({ ...labels, ...pair }, hop.seconds);
    }
  }

  ringRoundFailed(reason: RingRoundFailure): void {
    this.series.ringRounds.inc({ ...this.labels, outcome: reason });
  }

  watchMembers(members: () => readonly Member[]): void {
    this.setMembers(members);
  }

  observer(spec: NetSpec): TrainerObserver {
    const { series: s, labels } = this;
    s.maxEpochs.set(labels, spec.training.maxEpochs);
    return {
      onStep: ({ epoch, step, steps, stepLoss }) => {
        const now = performance.now();
        if (this.sumsReadyAt !== null) s.phaseDuration.observe({ ...labels, phase: 'update' }, (now - this.sumsReadyAt) / 1000);
        if (this.stepStartedAt !== null) s.stepDuration.observe(labels, (now - this.stepStartedAt) / 1000);
        this.stepStartedAt = this.sumsReadyAt = null;
        s.steps.inc(labels);
        const { learningRate, momentum } = hyperparametersForEpoch(spec, epoch);
        s.learningRate.set(labels, learningRate);
        s.momentum.set(labels, momentum);
        s.epoch.set(labels, epoch);
        s.step.set(labels, step + 1);
        s.stepsPerEpoch.set(labels, steps);
        s.stepLoss.set(labels, stepLoss);
      },
      onEpoch: (record) => this.epochDone(record),
    };
  }

  resumed(state: TrainerState): void {
    this.series.epoch.set(this.labels, state.epoch);
    this.series.step.set(this.labels, state.step);
    const last = state.history.at(-1);
    if (last) this.epochDone(last);
  }

  private epochDone(record: EpochRecord): void {
    const { series: s, labels } = this;
    s.trainLoss.set(labels, record.trainLoss);
    s.validLoss.set(labels, record.validLoss);
    s.validRmse.set(labels, record.validRmsePx);
    s.epochDuration.set(labels, record.seconds);
  }

  /** The gradient source starts a training step. */
  stepStarted(): void {
    this.stepStartedAt = performance.now();
  }

  /** The gradient source has summed the parts of a step. */
  sumsReady(reduceSeconds: number): void {
    this.series.phaseDuration.observe({ ...this.labels, phase: 'reduce' }, reduceSeconds);
    this.sumsReadyAt = performance.now();
  }

  /** The pool has computed a whole job (a step's rows, or validation). */
  jobDone(part: PartName, phases: JobPhases): void {
    const { series: s, labels } = this;
    if (part === 'valid') {
      s.validationDuration.observe(labels, phases.wait + phases.shard + phases.compute);
      return;
    }
    for (const phase of ['wait', 'shard', 'compute'] as const) s.phaseDuration.observe({ ...labels, phase }, phases[phase]);
  }

  /** The pool accepted a task's result. */
  taskDone({ member, part, rows, seconds }: TaskDone): void {
    const { series: s, labels } = this;
    s.samples.inc({ ...labels, part }, rows);
    s.memberSamples.inc({ ...labels, worker: member.id }, rows);
    s.memberTaskSeconds.inc({ ...labels, worker: member.id }, seconds);
  }

  parametersSent(bytes: number): void {
    this.series.parameterBytes.inc(this.labels, bytes);
  }

  shardSent(bytes: number): void {
    this.series.shardBytes.inc(this.labels, bytes);
  }

  /** The pool removed a worker (in a pool, also one moved to another job). */
  workerLeft({ worker, reason }: FailureRecord): void {
    const { series: s, labels } = this;
    s.removals.inc({ ...labels, reason });
    // A later member of the same id starts from zero: rate() treats it as a counter reset.
    s.memberTaskSeconds.remove({ ...labels, worker });
    s.memberSamples.remove({ ...labels, worker });
    for (const [key, pair] of this.hops) {
      if (pair.from !== worker && pair.to !== worker) continue;
      s.ringHopBytes.remove({ ...labels, ...pair });
      s.ringHopSeconds.remove({ ...labels, ...pair });
      this.hops.delete(key);
    }
  }
}
