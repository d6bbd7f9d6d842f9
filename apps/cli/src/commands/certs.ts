import { Command } from 'commander';
import { DEFAULT_DAYS, writeCredentials } from '../certs.ts';
import { booleanOption, commaSeparatedList, integerOption, stringOption } from '../options.ts';

interface CertsFlags {
  out: string;
  san: string[];
  days: number;
  force?: boolean;
}

export function certsCommand(): Command {
  return new Command('certs')
    .description(
      'Write the credentials of a cluster: a CA, a server certificate for the coordinator (with the --san names, plus localhost and 127.0.0.1), ' +
        'client certificates for the worker and viewer roles, and a random token per role, one folder per role ' +
        '(coordinator/, worker/, viewer/; pass each to its command as --credentials DIR/<role>). ' +
        "DIR/ca.key is the CA's private key: keep it offline. Keys and tokens are written mode 0600.",
    )
    .addOption(stringOption('--out <dir>', 'folder to write (refused when it exists and is not empty, unless --force)').makeOptionMandatory())
    .addOption(
      stringOption('--san <names>', "the coordinator's host names and IP addresses, comma separated (repeatable), as workers and dashboards will address it")
        .makeOptionMandatory()
        .argParser(commaSeparatedList),
    )
    .addOption(integerOption('--days <n>', 'validity of the certificates, in days', DEFAULT_DAYS, 1))
    .addOption(booleanOption('--force', 'replace --out if it exists'))
    .action(async (flags: CertsFlags) => {
      await writeCredentials(flags.out, { sans: flags.san, days: flags.days, force: flags.force });
      console.log(`wrote credentials to ${flags.out}, valid ${flags.days} days, for the coordinator at ${['localhost', '127.0.0.1', ...flags.san].join(', ')}:`);
      console.log(`  ${flags.out}/coordinator  for kfkd coordinator --credentials (worker.tokens, viewer.tokens: the accepted tokens, one per line)`);
      console.log(`  ${flags.out}/worker       for kfkd worker --credentials`);
      console.log(`  ${flags.out}/viewer       for kfkd dashboard --credentials (may only watch)`);
      console.log(`  ${flags.out}/ca.key       the CA's private key: keep it offline, copy it nowhere`);
    });
}
