/**
 * `kfkd worker`'s flags of ring steps: where it serves the Peer service, the
 * address the other workers dial, and the credentials it serves and dials
 * with (the worker's own: see @kfkd/worker's peer-credentials.ts).
 */
import { InvalidArgumentError, type Option } from 'commander';
import type { Logger } from '@kfkd/runtime';
import { type PeerConfig, defaultPeerListen, parseHostPort, peerCredentials } from '@kfkd/worker';
import type { ClientTls } from './credentials.ts';
import { UsageError } from './failure.ts';
import { stringOption } from './options.ts';

export function peerListenOption(): Option {
  return stringOption(
    '--peer-listen <host:port|off>',
    'serve ring peers here: the worker before this one in a ring step passes it parameters and running gradient sums, with the same token and TLS as the coordinator (port 0: any free port, logged; off: none, and this worker takes part in star steps only) ' +
      '(default: 0.0.0.0:0, or [::]:0 when the coordinator is reached over IPv6)',
  ).argParser((raw: string) => {
    if (raw !== 'off' && parseHostPort(raw)?.port == null) throw new InvalidArgumentError(`expected HOST:PORT or off, got '${raw}'`);
    return raw;
  });
}

export function peerAdvertiseOption(): Option {
  return stringOption(
    '--peer-advertise <host[:port]>',
    "address the other workers dial to reach --peer-listen, given to the coordinator (default: the --peer-listen host unless it is a wildcard, else this machine's local IP address towards the coordinator; the port defaults to the one bound)",
  ).argParser((raw: string) => {
    if (!parseHostPort(raw)) throw new InvalidArgumentError(`expected HOST or HOST:PORT, got '${raw}'`);
    return raw;
  });
}

export interface PeerFlags {
  peerListen?: string;
  peerAdvertise?: string;
}

/**
 * The worker's ring set-up. Credentials that cannot serve (an old worker
 * certificate, without serverAuth) turn serving off with one warning rather
 * than failing the worker: it still takes part in star steps.
 */
export async function peerConfig(flags: PeerFlags, tls: ClientTls | null, coordinator: string, log: Logger): Promise<PeerConfig> {
  const credentials = peerCredentials(tls);
  if (flags.peerListen === 'off') {
    if (flags.peerAdvertise !== undefined) throw new UsageError('--peer-advertise names the address of --peer-listen, which is off');
    return { client: credentials.client, serve: null };
  }
  if ('unusable' in credentials.server) {
    log.warn('not serving ring peers: this worker takes part in star steps only', { why: credentials.server.unusable });
    return { client: credentials.client, serve: null };
  }
  const listen = flags.peerListen ?? (await defaultPeerListen(parseHostPort(coordinator)?.host ?? coordinator));
  return { client: credentials.client, serve: { listen, credentials: credentials.server, advertise: flags.peerAdvertise ?? null } };
}
