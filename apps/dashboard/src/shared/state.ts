/**
 * The dashboard's state as a pure reducer, shared by the server (which keeps
 * the state for new pages) and the page (which applies the same events), so
 * both always agree.
 */
import type { DashboardEvent, DashboardState, EpochView, LinkView, PoolView, RingHopView, RunEvent, RunState } from './contract.ts';

/** A run with nothing received yet (one object, so that views redrawing by identity see no change). */
export const EMPTY_RUN: RunState = { run: null, epochs: [], step: null, workers: [], predictions: null, ring: null, finished: null };

export function emptyState(link: LinkView): DashboardState {
  return { link, run: null, epochs: [], step: null, workers: [], predictions: null, ring: null, finished: null, pool: null, replaying: false };
}

export function applyEvent(state: DashboardState, event: DashboardEvent): DashboardState {
  switch (event.kind) {
    case 'link':
      return { ...state, link: event.link };
    case 'run':
      // Every (re)connection to the coordinator replays the run from here.
      return { ...emptyState(state.link), run: event.run, replaying: true };
    case 'replay-done':
      return { ...state, replaying: false };
    case 'pool-start':
      // As 'run': a pool's replay starts here.
      return { ...emptyState(state.link), pool: { startedAtMs: event.startedAtMs, jobs: [], placements: [], runs: {} }, replaying: true };
    case 'pool': {
      const pool = state.pool ?? emptyPool();
      return { ...state, pool: { ...pool, jobs: event.jobs, placements: event.placements } };
    }
    case 'job': {
      const pool = state.pool ?? emptyPool();
      const run = event.event.kind === 'run' ? { ...EMPTY_RUN, run: event.event.run } : applyRunEvent(pool.runs[event.job] ?? EMPTY_RUN, event.event);
      return { ...state, pool: { ...pool, runs: { ...pool.runs, [event.job]: run } } };
    }
    default:
      return applyRunEvent(state, event);
  }
}

function emptyPool(): PoolView {
  return { startedAtMs: 0, jobs: [], placements: [], runs: {} };
}

/** An event of one run, on the state of that run (a single run's, or a job's); 'run' is the caller's (it starts over). */
function applyRunEvent<S extends RunState>(state: S, event: RunEvent): S {
  switch (event.kind) {
    case 'run':
      return { ...state, run: event.run };
    case 'epoch':
      return { ...state, epochs: withEpoch(state.epochs, event.epoch) };
    case 'step':
      return { ...state, step: event.step };
    case 'worker': {
      const workers = state.workers.filter((w) => w.id !== event.worker.id);
      workers.push(event.worker);
      workers.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      return { ...state, workers };
    }
    case 'worker-gone':
      return { ...state, workers: state.workers.filter((w) => !(w.id === event.id && w.session === event.session)) };
    case 'predictions':
      return { ...state, predictions: event.predictions };
    case 'ring':
      return { ...state, ring: event.ring };
    case 'finished':
      return { ...state, finished: { reason: event.reason, atMs: event.atMs } };
  }
}

/** Appends an epoch, replacing a record of the same epoch (never expected, but a duplicate must not show twice). */
function withEpoch(epochs: readonly EpochView[], epoch: EpochView): EpochView[] {
  const last = epochs.at(-1);
  if (!last || last.epoch < epoch.epoch) return [...epochs, epoch];
  return [...epochs.filter((e) => e.epoch !== epoch.epoch), epoch].sort((a, b) => a.epoch - b.epoch);
}

export interface RunTiming {
  /** Seconds of training so far (epochs done plus the one in progress). */
  readonly elapsedSeconds: number;
  /** Estimated seconds to the last epoch; null before the first epoch or once finished. */
  readonly remainingSeconds: number | null;
  /** The epoch in progress (or the last one, once finished). */
  readonly currentEpoch: number;
}

/** Elapsed and remaining time from the epoch durations (mean of the last 10). */
export function runTiming(state: RunState, nowMs: number): RunTiming {
  const done = state.epochs.length;
  const sum = state.epochs.reduce((s, e) => s + e.seconds, 0);
  const maxEpochs = state.run?.maxEpochs ?? 0;
  const lastEpoch = state.epochs.at(-1)?.epoch ?? 0;
  if (state.finished || !state.run) return { elapsedSeconds: sum, remainingSeconds: null, currentEpoch: lastEpoch };
  const since = state.epochs.at(-1)?.atMs ?? state.run.startedAtMs;
  const inProgress = Math.max(0, (nowMs - since) / 1000);
  const recent = state.epochs.slice(-10);
  const mean = recent.length > 0 ? recent.reduce((s, e) => s + e.seconds, 0) / recent.length : null;
  const remaining = mean === null ? null : Math.max(0, mean * Math.max(0, maxEpochs - lastEpoch) - inProgress);
  return { elapsedSeconds: sum + inProgress, remainingSeconds: done >= maxEpochs ? 0 : remaining, currentEpoch: Math.min(maxEpochs, lastEpoch + 1) };
}

/** A hop's rate in MB/s (10^6 bytes); null when it took no measurable time. */
export function hopMegabytesPerSecond(hop: RingHopView): number | null {
  return hop.seconds > 0 ? hop.bytes / 1e6 / hop.seconds : null;
}

/**
 * The index of the ring's slow link: the hop of the lowest rate (hops may
 * carry different byte counts, so not simply the longest); the first of
 * equals. Null with fewer than two timed hops, where nothing is slower than another.
 */
export function slowestHop(hops: readonly RingHopView[]): number | null {
  let slowest: number | null = null;
  let slowestRate = Infinity;
  let timed = 0;
  for (const [i, hop] of hops.entries()) {
    const rate = hopMegabytesPerSecond(hop);
    if (rate === null) continue;
    timed++;
    if (rate < slowestRate) [slowest, slowestRate] = [i, rate];
  }
  return timed >= 2 ? slowest : null;
}
