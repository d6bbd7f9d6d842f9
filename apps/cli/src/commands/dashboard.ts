import { Command } from 'commander';
import { coordinatorAddressOption } from '../cluster-flags.ts';
import { addClientCredentialFlags } from '../credentials.ts';
import { exitCodeHelp } from '../failure.ts';
import { booleanOption, commaSeparatedList, stringOption } from '../options.ts';
import type { DashboardFlags } from '../dashboard-run.ts';

/** Where `kfkd dashboard` serves the page unless told otherwise. */
export const DEFAULT_DASHBOARD_LISTEN = '127.0.0.1:8080';

export function dashboardCommand(): Command {
  const command = new Command('dashboard')
    .description(
      "Serve the live training dashboard (epoch table, loss curves, workers, predicted faces) from a coordinator's Watch stream. " +
        'Read-only; binds to localhost unless --listen says otherwise; reconnects to the coordinator by itself. ' +
        'Answers only to its own address and host names (--allowed-host); beyond loopback it needs --login, --trust-proxy-header or --public. ' +
        'Connects over TLS with the viewer credentials (--credentials DIR/viewer: a viewer token may only watch), or --insecure for plaintext; ' +
        'with --login, browsers sign in with the same viewer token.',
    )
    .addOption(coordinatorAddressOption())
    .addOption(stringOption('--listen <host:port>', 'where browsers connect (port 0: any free port, printed at start)', DEFAULT_DASHBOARD_LISTEN));
  return addClientCredentialFlags(command, 'viewer')
    .addOption(
      stringOption('--allowed-host <name>', 'a host name the page is served under besides the --listen address (a proxy or ingress); repeatable or comma-separated')
        .argParser(commaSeparatedList)
        .default([]),
    )
    .addOption(booleanOption('--login', "viewers sign in with the dashboard's token through a form (a session cookie follows)"))
    .addOption(stringOption('--trust-proxy-header <name>', 'a header an authenticating reverse proxy sets (e.g. X-Forwarded-User): requests carrying it count as signed in'))
    .addOption(booleanOption('--cookie-secure', 'mark the session cookie Secure (the page reaches browsers over https through a proxy)'))
    .addOption(booleanOption('--public', 'allow a bind beyond loopback without --login or --trust-proxy-header: anyone who can reach it sees the run'))
    .addHelpText('after', exitCodeHelp())
    .action(async (flags: DashboardFlags) => {
      const { runDashboard } = await import('../dashboard-run.ts');
      process.exitCode = await runDashboard(flags);
    });
}
