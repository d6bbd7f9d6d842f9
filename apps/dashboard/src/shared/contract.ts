/**
 * The one contract between the dashboard server and its page: what the
 * state looks like and the messages on the WebSocket. Plain JSON; both sides
 * import it (the page with `import type` and the pure reducer in state.ts).
 */
// Types only: the page bundle must not pull in the model library (tfjs) or gRPC.
import type { EpochRecord } from '@kfkd/model/history';
import type { JobState, LeaveReason, PlacementState, RunEndReason, WorkerState } from '@kfkd/proto';

/**
 * A value of the wire's vocabulary (kfkd.proto sends these as strings), or
 * one this dashboard does not know yet (a newer coordinator): shown as it came.
 */
export type WireName<Known extends string> = Known | (string & Record<never, never>);

/** The run being trained (from the coordinator's RunInfo). */
export interface RunView {
  readonly net: string;
  readonly data: string;
  readonly trainRows: number;
  readonly validRows: number;
  readonly batchSize: number;
  readonly maxEpochs: number;
  readonly stepsPerEpoch: number;
  readonly parameterCount: number;
  readonly flip: boolean;
  readonly startedAtMs: number;
}

/** One row of the tutorial's epoch log, as in history.jsonl, and when it was reported. */
export interface EpochView extends EpochRecord {
  /** When the coordinator reported it, ms since the Unix epoch. */
  readonly atMs: number;
}

export interface StepView {
  readonly epoch: number;
  readonly step: number;
  readonly steps: number;
  readonly stepLoss: number;
  readonly learningRate: number;
  readonly momentum: number;
  readonly atMs: number;
}

export interface WorkerView {
  readonly id: string;
  readonly session: number;
  readonly host: string;
  readonly backend: string;
  readonly device: string;
  readonly state: WireName<WorkerState>;
  readonly samplesPerSecond: number;
  readonly lastTaskSeconds: number;
  readonly lastHeartbeatMs: number;
}

export interface FaceView {
  /** 96 x 96 uint8 grey levels, base64. */
  readonly pixels: string;
  /** (x, y) pairs in pixels. */
  readonly predicted: readonly number[];
  readonly truth: readonly number[];
}

export interface PredictionsView {
  readonly epoch: number;
  readonly faces: readonly FaceView[];
}

/** One hop of a ring round's running sum, timed by the worker (or coordinator) that received it. */
export interface RingHopView {
  readonly from: string;
  /** The receiving worker; '' for the coordinator (the ring's last hop). */
  readonly to: string;
  readonly bytes: number;
  readonly seconds: number;
}

/** A training step whose gradient was summed along a ring of workers (RingRound of kfkd.proto). */
export interface RingRoundView {
  readonly epoch: number;
  /** 0-based step of the epoch. */
  readonly step: number;
  /** The ring's workers in order; the last one reports to the coordinator. */
  readonly workers: readonly string[];
  /** In ring order, the last one into the coordinator. */
  readonly hops: readonly RingHopView[];
  /** When the coordinator sent it, ms since the Unix epoch. */
  readonly atMs: number;
}

/** The dashboard's link to the coordinator. */
export interface LinkView {
  readonly status: 'connecting' | 'connected' | 'disconnected';
  readonly coordinator: string;
  readonly detail: string;
  readonly sinceMs: number;
}

/** One run: the coordinator's single run, or one job of a pool. */
export interface RunState {
  readonly run: RunView | null;
  /** Oldest first. */
  readonly epochs: readonly EpochView[];
  readonly step: StepView | null;
  /** Sorted by id. */
  readonly workers: readonly WorkerView[];
  readonly predictions: PredictionsView | null;
  /** The last ring round the coordinator told of (at most about one a second); null while every step was a star step. */
  readonly ring: RingRoundView | null;
  /** Why the run ended (for a pool's top level: why the pool stopped); null while it runs. */
  readonly finished: { readonly reason: WireName<RunEndReason>; readonly atMs: number } | null;
}

/** A job of a pool, as its status says (JobStatus of kfkd.proto). */
export interface JobStatusView {
  readonly name: string;
  readonly net: string;
  readonly state: WireName<JobState>;
  readonly epochsDone: number;
  readonly maxEpochs: number;
  /** Lowest valid RMSE so far, in pixels; 0 before the first epoch. */
  readonly bestValidRmsePx: number;
  readonly workers: number;
  readonly minWorkers: number;
}

/** Where a worker of the pool is: its job (or the one it moves to), parked, or moving. */
export interface PlacementView {
  readonly id: string;
  readonly job: string;
  readonly state: WireName<PlacementState>;
}

/** A coordinator of several jobs (kfkd.proto's PoolInfo and PoolStatus, and each job's own events). */
export interface PoolView {
  readonly startedAtMs: number;
  /** In the order the jobs were added. */
  readonly jobs: readonly JobStatusView[];
  /** Sorted by worker id. */
  readonly placements: readonly PlacementView[];
  /** Each job's run, by job name. */
  readonly runs: Readonly<Record<string, RunState>>;
}

/**
 * A single run's state is the RunState itself (pool: null). A pool's
 * jobs are in `pool`; then the RunState fields hold only the pool's end.
 */
export interface DashboardState extends RunState {
  readonly link: LinkView;
  readonly pool: PoolView | null;
  /** True between a run's (or pool's) first event and the end of its replay. */
  readonly replaying: boolean;
}

/** What happens to one run (a single run, or a job of a pool). */
export type RunEvent =
  | { readonly kind: 'run'; readonly run: RunView }
  | { readonly kind: 'epoch'; readonly epoch: EpochView }
  | { readonly kind: 'step'; readonly step: StepView }
  | { readonly kind: 'worker'; readonly worker: WorkerView }
  | { readonly kind: 'worker-gone'; readonly id: string; readonly session: number; readonly reason: WireName<LeaveReason> }
  | { readonly kind: 'predictions'; readonly predictions: PredictionsView }
  | { readonly kind: 'ring'; readonly ring: RingRoundView }
  | { readonly kind: 'finished'; readonly reason: WireName<RunEndReason>; readonly atMs: number };

export type DashboardEvent =
  | { readonly kind: 'link'; readonly link: LinkView }
  | RunEvent
  | { readonly kind: 'replay-done' }
  /** A pool is watched: what follows replaces the state (as a single run's 'run' does). */
  | { readonly kind: 'pool-start'; readonly startedAtMs: number }
  | { readonly kind: 'pool'; readonly jobs: readonly JobStatusView[]; readonly placements: readonly PlacementView[] }
  /** An event of one job of the pool. */
  | { readonly kind: 'job'; readonly job: string; readonly event: RunEvent };

/** Server to page: the whole state once on connect, then every event. */
export type ServerMessage = { readonly type: 'state'; readonly state: DashboardState } | { readonly type: 'event'; readonly event: DashboardEvent };

/** The WebSocket's path on the dashboard's HTTP server. */
export const SOCKET_PATH = '/ws';
