/**
 * What the gRPC edge (service.ts, edge.ts, token-guard.ts) reports while it
 * works: each refused request, by rpc and reason, the gradient bytes that
 * arrive, and (through watch-viewers.ts) the viewers it drops. The edge
 * only emits; metrics.ts implements the observer and counts.
 */
import type { CoordinatorHandlers } from '@kfkd/proto';
import type { ViewerObserver } from './watch-viewers.ts';

/** The rpcs of the Coordinator service, as the metrics' `rpc` label names them. */
export type Rpc = 'join' | 'report' | 'heartbeat' | 'watch';

/** Each method of the service definition and its rpc: fails to compile when kfkd.proto gains a method this map lacks. */
export const RPC_OF_METHOD = {
  Join: 'join',
  Report: 'report',
  Heartbeat: 'heartbeat',
  Watch: 'watch',
} as const satisfies Record<keyof CoordinatorHandlers, Rpc>;

/** Why a request was refused at the gRPC edge or by the pool. */
export type RejectReason =
  | 'unauthenticated'
  /** A known token whose role may not make this call (a viewer's on Join, Report or Heartbeat). */
  | 'permission-denied'
  | 'protocol-version'
  | 'malformed'
  | 'not-accepting'
  | 'unknown-worker'
  | 'unknown-session'
  | 'stale'
  | 'invalid-result'
  /** Ended before its request was read in full: over the size limit, cut short, badly compressed, or cancelled by the client. */
  | 'incomplete';

export interface EdgeObserver extends ViewerObserver {
  /** A request was refused (its status sent, or about to be). */
  rejected(rpc: Rpc, reason: RejectReason): void;
  /** A gradient chunk of `bytes` arrived in an authenticated Report (accepted or not). */
  gradientReceived(bytes: number): void;
}
