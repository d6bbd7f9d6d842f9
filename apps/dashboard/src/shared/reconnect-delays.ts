/** The dashboard's reconnection delays, the page's to the dashboard and the dashboard's to the coordinator (the mechanism is @kfkd/runtime's backoff). */
import type { BackoffOptions } from '@kfkd/runtime/backoff';

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 10_000, jitter: 0.2 };
