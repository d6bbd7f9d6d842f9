/**
 * The flag pieces `kfkd worker` and `kfkd dashboard` share: the comma-separated
 * list parser (also --tls-san and `kfkd certs --san`), the client credential
 * flags and the --coordinator address check.
 */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { checkCoordinatorAddress } from './cluster-flags.ts';
import { addClientCredentialFlags } from './credentials.ts';
import { UsageError } from './failure.ts';
import { commaSeparatedList, stringOption } from './options.ts';

describe('commaSeparatedList', () => {
  it('adds the names of every use of a flag, trimmed, blanks dropped', () => {
    const command = new Command('x').exitOverride().addOption(stringOption('--name <names>', 'names').argParser(commaSeparatedList).default([]));
    command.parse(['--name', ' a.example, b ,,', '--name', 'c'], { from: 'user' });
    expect(command.opts().name).toEqual(['a.example', 'b', 'c']);
  });
});

describe('addClientCredentialFlags', () => {
  it('gives a client the six flags clientCredentials reads, in the order --help shows them', () => {
    const flags = addClientCredentialFlags(new Command('x'), 'worker').options.map((o) => o.long);
    expect(flags).toEqual(['--credentials', '--insecure', '--token-file', '--tls-ca', '--tls-cert', '--tls-key']);
  });
});

describe('checkCoordinatorAddress', () => {
  it('accepts HOST:PORT, IPv6 in brackets included', () => {
    for (const address of ['coordinator:50051', '10.0.0.5:50051', '[::1]:50051']) expect(() => checkCoordinatorAddress(address)).not.toThrow();
  });

  it('refuses an address without a port as a usage error naming the flag', () => {
    expect(() => checkCoordinatorAddress('coordinator')).toThrow(new UsageError("--coordinator must be HOST:PORT, got 'coordinator'"));
    expect(() => checkCoordinatorAddress('coordinator:http')).toThrow(UsageError);
  });
});
