/**
 * The one contract between the dashboard server and its page: what the
 * state looks like and the messages on the WebSocket. Plain JSON; both sides
 * import it (the page with `import type` and the pure reducer in state.ts).
 */
// Types only: the page bundle must not pull in the model library (tfjs) or gRPC.
import type { EpochRecord } from '@kfkd/model/history';
import type { LeaveReason, RunEndReason, WorkerState } from '@kfkd/proto';

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

/** The dashboard's link to the coordinator. */
export interface LinkView {
  readonly status: 'connecting' | 'connected' | 'disconnected';
  readonly coordinator: string;
  readonly detail: string;
  readonly sinceMs: number;
}

export interface DashboardState {
  readonly link: LinkView;
  readonly run: RunView | null;
  /** Oldest first. */
  readonly epochs: readonly EpochView[];
  readonly step: StepView | null;
  /** Sorted by id. */
  readonly workers: readonly WorkerView[];
  readonly predictions: PredictionsView | null;
  /** Why the run ended; null while it runs. */
  readonly finished: { readonly reason: WireName<RunEndReason>; readonly atMs: number } | null;
  /** True between a run's first event and the end of its replay. */
  readonly replaying: boolean;
}

export type DashboardEvent =
  | { readonly kind: 'link'; readonly link: LinkView }
  | { readonly kind: 'run'; readonly run: RunView }
  | { readonly kind: 'epoch'; readonly epoch: EpochView }
  | { readonly kind: 'step'; readonly step: StepView }
  | { readonly kind: 'worker'; readonly worker: WorkerView }
  | { readonly kind: 'worker-gone'; readonly id: string; readonly session: number; readonly reason: WireName<LeaveReason> }
  | { readonly kind: 'predictions'; readonly predictions: PredictionsView }
  | { readonly kind: 'replay-done' }
  | { readonly kind: 'finished'; readonly reason: WireName<RunEndReason>; readonly atMs: number };

/** Server to page: the whole state once on connect, then every event. */
export type ServerMessage = { readonly type: 'state'; readonly state: DashboardState } | { readonly type: 'event'; readonly event: DashboardEvent };

/** The WebSocket's path on the dashboard's HTTP server. */
export const SOCKET_PATH = '/ws';
