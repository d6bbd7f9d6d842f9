/**
 * The one place that owns SIGINT (Ctrl-C) and SIGTERM (Kubernetes, systemd,
 * `kill`): the first one asks the running job to stop gracefully, and the
 * command then exits 130 (SIGINT) or 143 (SIGTERM); a second one quits at
 * once with its own code, as shells do.
 */
import { type StopSignal, interruptedExitCode } from './failure.ts';

export interface Interruption {
  /** The first stop signal received, or null. */
  readonly signal: StopSignal | null;
  /** Stops listening (the default handlers come back). */
  dispose(): void;
}

/** How to quit at once after `signal` (a second one does, see onInterrupt), for the line saying what the first one does. */
export function quitAtOnceHint(signal: StopSignal): string {
  return signal === 'SIGINT' ? 'Ctrl-C again' : 'a second signal';
}

export function onInterrupt(stopGracefully: (signal: StopSignal) => void): Interruption {
  let received: StopSignal | null = null;
  const handler = (signal: StopSignal): void => {
    if (received) process.exit(interruptedExitCode(signal));
    received = signal;
    stopGracefully(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    get signal() {
      return received;
    },
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
