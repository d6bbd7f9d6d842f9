/**
 * What the Watch stream of a pool of jobs tells dashboards: every job's own
 * journal (watch-journal.ts, exactly a run's), its events named by the job
 * (WatchEvent.job), and the pool's status: the jobs (state, epochs done of
 * max, best valid RMSE, workers) and where each worker is (the router's
 * placements). The replay is PoolInfo, the status, each job's replay (its
 * ReplayDone left out), one ReplayDone, and the pool's end once it is over.
 *
 * The status is recomputed when a job's journal reports anything but a
 * step or predictions, and when the router says the placement changed;
 * recomputations in one turn of the event loop are coalesced (the router's
 * state settles after the pools' observers ran), and a status equal to the
 * last one sent is not sent again. Memory: the jobs' journals, kept after
 * they end (a pool has a handful of jobs).
 */
import type { JobStatus, WatchEvent, WorkerPlacement } from '@kfkd/proto';
import type { Placement } from './job-router.ts';
import type { WatchJournal, WatchListener, WatchSource } from './watch-journal.ts';

export interface PoolJournalOptions {
  /** Where each worker is now (JobRouter.placements()). */
  readonly placements: () => readonly Placement[];
  readonly now?: () => number;
}

interface JournalOfJob {
  readonly journal: WatchJournal;
  readonly minWorkers: number;
  readonly unsubscribe: () => void;
}

export class PoolJournal implements WatchSource {
  private readonly jobs = new Map<string, JournalOfJob>();
  private readonly listeners = new Set<WatchListener>();
  private readonly now: () => number;
  private readonly startedAtMs: number;
  private lastStatus = '';
  private statusDue = false;
  private finishedEvent: WatchEvent | null = null;

  constructor(private readonly options: PoolJournalOptions) {
    this.now = options.now ?? Date.now;
    this.startedAtMs = this.now();
  }

  get finished(): boolean {
    return this.finishedEvent !== null;
  }

  /**
   * A job of the pool, from now on: its journal's events are streamed with
   * its name. A job of the same name (one that ended: the router refuses a
   * running one twice) is replaced, in its place in the order.
   */
  addJob(name: string, journal: WatchJournal, minWorkers: number): void {
    this.jobs.get(name)?.unsubscribe();
    // Viewers watching already get the job as a new viewer would: its RunInfo (which starts it over) and history first.
    for (const event of journal.replay()) if (!event.replayDone) this.emit({ ...event, job: name });
    const unsubscribe = journal.subscribe((event) => {
      this.emit({ ...event, job: name });
      if (!event.step && !event.predictions) this.statusChanged();
    });
    this.jobs.set(name, { journal, minWorkers, unsubscribe });
    this.statusChanged();
  }

  replay(): WatchEvent[] {
    const events: WatchEvent[] = [{ timeMs: this.now(), poolInfo: { startedAtMs: this.startedAtMs } }, this.statusEvent()];
    for (const [job, { journal }] of this.jobs) for (const event of journal.replay()) if (!event.replayDone) events.push({ ...event, job });
    events.push({ timeMs: this.now(), replayDone: {} });
    if (this.finishedEvent) events.push(this.finishedEvent);
    return events;
  }

  subscribe(listener: WatchListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The jobs or the placement may have changed: the status is sent, if it did, once this turn of the event loop is over. */
  statusChanged(): void {
    if (this.statusDue) return;
    this.statusDue = true;
    queueMicrotask(() => {
      this.statusDue = false;
      this.sendStatus();
    });
  }

  /** The pool stopped: its last status, then the end (a RunFinished without a job), which ends every viewer's stream. */
  finish(reason: 'completed' | 'aborted'): void {
    if (this.finishedEvent) return;
    this.sendStatus();
    this.finishedEvent = { timeMs: this.now(), finished: { reason } };
    this.emit(this.finishedEvent);
  }

  /** The jobs (in the order added) and the workers' placements, as sent. */
  status(): { readonly jobs: JobStatus[]; readonly workers: WorkerPlacement[] } {
    const jobs = [...this.jobs].map(([name, { journal, minWorkers }]): JobStatus => {
      const s = journal.summary();
      return {
        name,
        net: s.net,
        state: s.endReason ?? (s.workers < minWorkers ? 'waiting' : 'training'),
        epochsDone: s.epochsDone,
        maxEpochs: s.maxEpochs,
        bestValidRmsePx: s.bestValidRmsePx,
        workers: s.workers,
        minWorkers,
      };
    });
    return { jobs, workers: this.options.placements().map((p) => ({ workerId: p.worker, job: p.job, state: p.state })) };
  }

  private statusEvent(): WatchEvent {
    return { timeMs: this.now(), pool: this.status() };
  }

  private sendStatus(): void {
    if (this.finishedEvent) return;
    const event = this.statusEvent();
    const key = JSON.stringify(event.pool);
    if (key === this.lastStatus) return;
    this.lastStatus = key;
    this.emit(event);
  }

  private emit(event: WatchEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
