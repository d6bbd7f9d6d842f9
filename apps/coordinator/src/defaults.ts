/**
 * The coordinator's timeout defaults, in one place: CoordinatorConfig falls
 * back to them and the cli's `--step-timeout` and `--heartbeat-timeout`
 * flags default to them. Importable on their own (`@kfkd/coordinator/defaults`),
 * so the cli's flag definitions do not load gRPC.
 */

/** A task not answered within this time drops its worker (`--step-timeout`, 120 s). */
export const DEFAULT_STEP_TIMEOUT_MS = 120_000;

/** An idle worker not heard from within this time is dropped (`--heartbeat-timeout`, 30 s). */
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 30_000;
