/** `kfkd dashboard`: serves the page until SIGINT/SIGTERM (exit 130/143). */
import { stderrLogger } from '@kfkd/runtime';
import { Dashboard, isLoopback, watchCredentials } from '@kfkd/dashboard';
import { checkCoordinatorAddress } from './cluster-flags.ts';
import { type ClientCredentialFlags, clientCredentials } from './credentials.ts';
import { type ExitCode, type StopSignal, UsageError, interruptedExitCode } from './failure.ts';
import { onInterrupt } from './signals.ts';

/** What `kfkd dashboard` is given (its flags: commands/dashboard.ts). */
export interface DashboardFlags extends ClientCredentialFlags {
  coordinator: string;
  listen: string;
  /** Host names a proxy or ingress serves the page under (repeatable, or comma-separated). */
  allowedHost: string[];
  login?: boolean;
  trustProxyHeader?: string;
  cookieSecure?: boolean;
  public?: boolean;
}

export async function runDashboard(flags: DashboardFlags): Promise<ExitCode> {
  checkCoordinatorAddress(flags.coordinator);
  const listen = /^(.+):(\d+)$/.exec(flags.listen);
  if (!listen) throw new UsageError(`--listen must be HOST:PORT, got '${flags.listen}'`);
  const host = listen[1].replace(/^\[(.*)\]$/, '$1');
  const signIn = Boolean(flags.login || flags.trustProxyHeader);
  if (!isLoopback(host) && !signIn && !flags.public) {
    throw new UsageError(`--listen ${flags.listen} is beyond loopback: add --login (viewers sign in with the token), --trust-proxy-header NAME (behind an authenticating proxy), or --public`);
  }
  const log = stderrLogger('dashboard');
  if (flags.public && !signIn) log.warn('--public: anyone who can reach the dashboard sees the run (no sign-in)', { listen: flags.listen });
  const { tls, token } = await clientCredentials(flags, 'viewer', log);
  const dashboard = new Dashboard({
    coordinator: flags.coordinator,
    token,
    credentials: watchCredentials(tls),
    host,
    port: Number(listen[2]),
    access: { allowedHosts: flags.allowedHost, login: flags.login, trustProxyHeader: flags.trustProxyHeader, cookieSecure: flags.cookieSecure },
    log: (message, fields) => log.warn(message, fields),
  });
  // Listening for the stop signals before the page is served: whoever sees
  // the "serving" line may stop the dashboard at once.
  const stopped = new Promise<StopSignal>((resolve) => {
    const interruption = onInterrupt((received) => {
      interruption.dispose();
      resolve(received);
    });
  });
  const url = await dashboard.start();
  log.info(`serving ${url}`, { coordinator: flags.coordinator, listen: flags.listen, ...(flags.login ? { login: 'viewer token' } : {}) });
  const signal = await stopped;
  await dashboard.stop();
  return interruptedExitCode(signal);
}
