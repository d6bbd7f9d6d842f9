/**
 * What the Watch stream tells dashboards. The journal keeps the part of the
 * run a newcomer needs (run info, every epoch record, the workers, the last
 * step and predictions) and fans live events out to subscribers. Memory is
 * bounded by the number of epochs: step events are not kept, only the last.
 *
 * Fed by observers (trainer, pool); knows nothing of gRPC (service.ts
 * writes the events to the streams).
 */
import type { RunInfo, WatchEvent, WorkerStatus } from '@kfkd/proto';
import type { EpochRecord, TrainerObserver } from '@kfkd/model';
import type { FailureRecord } from './worker-registry.ts';
import type { Member } from './membership.ts';
import type { RingRoundDone } from './pool-events.ts';

export type WatchListener = (event: WatchEvent) => void;

/** What Watch streams to its viewers (watch-viewers.ts): a run's journal, or a pool's (pool-journal.ts). */
export interface WatchSource {
  /** The events a new viewer gets first, ending with ReplayDone (and the end, when it is over). */
  replay(): WatchEvent[];
  /** Live events from now on; returns the unsubscribe function. */
  subscribe(listener: WatchListener): () => void;
  /** Over: a viewer's stream ends after the replay. */
  readonly finished: boolean;
}

/** A run's state in brief, for the status of a pool's jobs. */
export interface JournalSummary {
  readonly net: string;
  readonly maxEpochs: number;
  readonly epochsDone: number;
  /** Lowest valid RMSE of the epochs, in pixels; 0 before the first. */
  readonly bestValidRmsePx: number;
  /** Workers in the run now, pending or active. */
  readonly workers: number;
  /** How the run ended (RunFinished's reason); null while it runs. */
  readonly endReason: string | null;
}

/** A validation face with keypoints in pixels: (x, y) pairs. */
export interface PredictedFace {
  readonly pixels: Uint8Array;
  readonly predicted: Float32Array;
  readonly truth: Float32Array;
}

export interface JournalOptions {
  readonly run: RunInfo;
  /** Learning rate and momentum of an epoch (the net's schedules). */
  readonly hyperparameters: (epoch: number) => { learningRate: number; momentum: number };
  /** Step events are sent at most this often (default 250 ms). */
  readonly stepIntervalMs?: number;
  readonly now?: () => number;
}

/** Per-worker throughput, updated when a task's result arrives. */
interface TaskStats {
  samplesPerSecond: number;
  lastTaskSeconds: number;
  /** When this worker's status was last sent for a task. */
  sentAt: number;
}

export class WatchJournal implements WatchSource {
  private readonly epochs: WatchEvent[] = [];
  private readonly workers = new Map<string, WatchEvent>();
  private readonly stats = new Map<string, TaskStats>();
  private lastStep: WatchEvent | null = null;
  /** The last ring round sent (kept for the replay), and when. */
  private lastRing: WatchEvent | null = null;
  private lastRingSentAt = -Infinity;
  private lastPredictions: WatchEvent | null = null;
  private finishedEvent: WatchEvent | null = null;
  private lastStepSentAt = -Infinity;
  private bestValidRmsePx = 0;
  private readonly listeners = new Set<WatchListener>();
  private readonly now: () => number;

  constructor(private readonly options: JournalOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The events a new subscriber gets first, ending with replayDone (and finished, when the run is over). */
  replay(): WatchEvent[] {
    const events: WatchEvent[] = [this.event({ run: this.options.run }), ...this.epochs, ...this.workers.values()];
    if (this.lastStep) events.push(this.lastStep);
    if (this.lastRing) events.push(this.lastRing);
    if (this.lastPredictions) events.push(this.lastPredictions);
    events.push(this.event({ replayDone: {} }));
    if (this.finishedEvent) events.push(this.finishedEvent);
    return events;
  }

  /** Live events from now on; returns the unsubscribe function. */
  subscribe(listener: WatchListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get finished(): boolean {
    return this.finishedEvent !== null;
  }

  summary(): JournalSummary {
    return {
      net: this.options.run.net ?? '',
      maxEpochs: this.options.run.maxEpochs ?? 0,
      epochsDone: this.epochs.length,
      bestValidRmsePx: this.bestValidRmsePx,
      workers: this.workers.size,
      endReason: this.finishedEvent?.finished?.reason ?? null,
    };
  }

  epoch(record: EpochRecord): void {
    const event = this.event({
      epoch: {
        epoch: record.epoch,
        trainLoss: record.trainLoss,
        validLoss: record.validLoss,
        trainValidRatio: record.trainValidRatio,
        validRmsePx: record.validRmsePx,
        learningRate: record.learningRate,
        momentum: record.momentum,
        seconds: record.seconds,
      },
    });
    this.epochs.push(event);
    if (this.bestValidRmsePx === 0 || record.validRmsePx < this.bestValidRmsePx) this.bestValidRmsePx = record.validRmsePx;
    this.emit(event);
  }

  /** A step; only kept and sent when the last one sent is older than the step interval (or it ends an epoch). */
  step(progress: { epoch: number; step: number; steps: number; stepLoss: number }): void {
    const now = this.now();
    const last = progress.step + 1 === progress.steps;
    if (!last && now - this.lastStepSentAt < (this.options.stepIntervalMs ?? 250)) return;
    this.lastStepSentAt = now;
    const { learningRate, momentum } = this.options.hyperparameters(progress.epoch);
    this.lastStep = this.event({ step: { ...progress, learningRate, momentum } });
    this.emit(this.lastStep);
  }

  /** A worker joined, became active or was heard from. */
  worker(member: Member): void {
    const stats = this.stats.get(workerKey(member.id, member.session)) ?? { samplesPerSecond: 0, lastTaskSeconds: 0, sentAt: -Infinity };
    const status: WorkerStatus = {
      workerId: member.id,
      session: member.session,
      host: member.host ?? '',
      backend: member.backend,
      device: member.device,
      state: member.state,
      samplesPerSecond: stats.samplesPerSecond,
      lastTaskSeconds: stats.lastTaskSeconds,
      lastHeartbeatMs: member.lastSeenAt,
    };
    const event = this.event({ worker: status });
    this.workers.set(member.id, event);
    this.emit(event);
  }

  /** A task's result arrived: `rows` computed in `seconds`. Sent at most once per step interval per worker. */
  taskDone(member: Member, rows: number, seconds: number): void {
    const key = workerKey(member.id, member.session);
    const now = this.now();
    const previous = this.stats.get(key);
    this.stats.set(key, { samplesPerSecond: seconds > 0 ? rows / seconds : 0, lastTaskSeconds: seconds, sentAt: previous?.sentAt ?? -Infinity });
    if (previous && now - previous.sentAt < (this.options.stepIntervalMs ?? 250) * 4) return;
    this.stats.get(key)!.sentAt = now;
    this.worker(member);
  }

  /** A ring round's sum was accepted: its ring and hops, at most about once a second. */
  ringRound(round: RingRoundDone): void {
    const now = this.now();
    if (now - this.lastRingSentAt < (this.options.stepIntervalMs ?? 250) * 4) return;
    this.lastRingSentAt = now;
    this.lastRing = this.event({
      ring: {
        epoch: round.epoch,
        step: round.step,
        workers: [...round.workers],
        hops: round.hops.map((h) => ({ fromWorker: h.from, toWorker: h.to, bytes: h.bytes, seconds: h.seconds })),
      },
    });
    this.emit(this.lastRing);
  }

  workerGone(record: FailureRecord): void {
    const current = this.workers.get(record.worker);
    if (current?.worker?.session !== record.session) return;
    this.workers.delete(record.worker);
    this.stats.delete(workerKey(record.worker, record.session));
    this.emit(this.event({ workerGone: { workerId: record.worker, session: record.session, reason: record.reason, detail: record.detail } }));
  }

  predictions(epoch: number, faces: readonly PredictedFace[]): void {
    this.lastPredictions = this.event({
      predictions: {
        epoch,
        faces: faces.map((f) => ({ pixels: Buffer.from(f.pixels), predicted: bytesOf(f.predicted), truth: bytesOf(f.truth) })),
      },
    });
    this.emit(this.lastPredictions);
  }

  finish(reason: string): void {
    if (this.finishedEvent) return;
    this.finishedEvent = this.event({ finished: { reason } });
    this.emit(this.finishedEvent);
  }

  /** Feeds the journal from the training loop. */
  trainerObserver(): TrainerObserver {
    return {
      onStep: (progress) => this.step(progress),
      onEpoch: (record) => this.epoch(record),
    };
  }

  private event(fields: Omit<WatchEvent, 'timeMs'>): WatchEvent {
    return { timeMs: this.now(), ...fields };
  }

  private emit(event: WatchEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

function workerKey(id: string, session: number): string {
  return `${id}#${session}`;
}

function bytesOf(values: Float32Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}
