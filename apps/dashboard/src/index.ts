/** @kfkd/dashboard: the live training dashboard, fed by the coordinator's Watch stream. */
export { Dashboard, type DashboardAccess, type DashboardOptions } from './dashboard.ts';
export { isLoopback } from './host-check.ts';
// The one client TLS set-up (also the worker's), under the name the cli knows.
export { channelCredentials as watchCredentials } from '@kfkd/proto';
export type * from './shared/contract.ts';
export { applyEvent, emptyState, runTiming } from './shared/state.ts';
