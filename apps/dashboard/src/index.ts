/** @kfkd/dashboard: the live training dashboard, fed by the coordinator's Watch stream. */
export { Dashboard, type DashboardAccess, type DashboardOptions } from './dashboard.ts';
export { isLoopback } from './host-check.ts';
export { watchCredentials } from './watch-client.ts';
export type * from './shared/contract.ts';
export { applyEvent, emptyState, runTiming } from './shared/state.ts';
