import { Command } from 'commander';
import { stringOption } from '../options.ts';

export interface DashboardFlags {
  coordinator: string;
  listen: string;
  tokenFile?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}

/** Where `kfkd dashboard` serves the page unless told otherwise. */
export const DEFAULT_DASHBOARD_LISTEN = '127.0.0.1:8080';

export function dashboardCommand(): Command {
  return new Command('dashboard')
    .description(
      "Serve the live training dashboard (epoch table, loss curves, workers, predicted faces) from a coordinator's Watch stream. " +
        'Read-only; binds to localhost unless --listen says otherwise; reconnects to the coordinator by itself. ' +
        'Authenticates with the shared token like a worker (--token-file or KFKD_TOKEN).',
    )
    .addOption(stringOption('--coordinator <host:port>', 'address of the coordinator').makeOptionMandatory())
    .addOption(stringOption('--listen <host:port>', 'where browsers connect (port 0: any free port, printed at start)', DEFAULT_DASHBOARD_LISTEN))
    .addOption(stringOption('--token-file <file>', 'file whose first line is the shared token (default: $KFKD_TOKEN)'))
    .addOption(stringOption('--tls-ca <file>', 'PEM CA bundle: connect over TLS, trusting the coordinator certificates it signed'))
    .addOption(stringOption('--tls-cert <file>', 'PEM client certificate, for a coordinator that requires one (with --tls-key)'))
    .addOption(stringOption('--tls-key <file>', 'PEM private key of --tls-cert'))
    .action(async (flags: DashboardFlags) => {
      const { runDashboard } = await import('../dashboard-run.ts');
      process.exitCode = await runDashboard(flags);
    });
}
