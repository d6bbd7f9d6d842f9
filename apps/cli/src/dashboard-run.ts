/** `kfkd dashboard`: serves the page until Ctrl-C. */
import { stderrLogger } from '@kfkd/runtime';
import { Dashboard, watchCredentials } from '@kfkd/dashboard';
import { clientCredentials } from './credentials.ts';
import type { DashboardFlags } from './commands/dashboard.ts';
import { UsageError } from './failure.ts';
import { onInterrupt } from './signals.ts';

export async function runDashboard(flags: DashboardFlags): Promise<void> {
  if (!/^.+:\d+$/.test(flags.coordinator)) throw new UsageError(`--coordinator must be HOST:PORT, got '${flags.coordinator}'`);
  const listen = /^(.+):(\d+)$/.exec(flags.listen);
  if (!listen) throw new UsageError(`--listen must be HOST:PORT, got '${flags.listen}'`);
  const log = stderrLogger('dashboard');
  const { tls, token } = await clientCredentials(flags, 'viewer', log);
  const dashboard = new Dashboard({
    coordinator: flags.coordinator,
    token,
    credentials: watchCredentials(tls),
    host: listen[1].replace(/^\[(.*)\]$/, '$1'),
    port: Number(listen[2]),
    log: (message, fields) => log.warn(message, fields),
  });
  const url = await dashboard.start();
  log.info(`serving ${url}`, { coordinator: flags.coordinator, listen: flags.listen });
  await new Promise<void>((resolve) => {
    const stopListening = onInterrupt(() => {
      stopListening();
      resolve();
    });
  });
  await dashboard.stop();
}
