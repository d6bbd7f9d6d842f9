import { Command } from 'commander';
import { tlsKeyOption, tokenFileOption } from '../cluster-flags.ts';
import { credentialsOption, insecureOption } from '../credentials.ts';
import { stringOption } from '../options.ts';

export interface DashboardFlags {
  coordinator: string;
  listen: string;
  credentials?: string;
  insecure?: boolean;
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
        'Connects over TLS with the viewer credentials (--credentials DIR/viewer: a viewer token may only watch), or --insecure for plaintext.',
    )
    .addOption(stringOption('--coordinator <host:port>', 'address of the coordinator').makeOptionMandatory())
    .addOption(stringOption('--listen <host:port>', 'where browsers connect (port 0: any free port, printed at start)', DEFAULT_DASHBOARD_LISTEN))
    .addOption(credentialsOption('viewer'))
    .addOption(insecureOption())
    .addOption(tokenFileOption())
    .addOption(stringOption('--tls-ca <file>', 'PEM CA bundle: connect over TLS, trusting the coordinator certificates it signed'))
    .addOption(stringOption('--tls-cert <file>', 'PEM client certificate, for a coordinator that requires one (with --tls-key)'))
    .addOption(tlsKeyOption())
    .action(async (flags: DashboardFlags) => {
      const { runDashboard } = await import('../dashboard-run.ts');
      await runDashboard(flags);
    });
}
