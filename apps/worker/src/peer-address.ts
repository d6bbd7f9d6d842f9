/**
 * Addresses of the Peer service: where a worker listens, and the address it
 * gives the coordinator for the worker before it in a ring to dial.
 */
import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

export interface HostPort {
  readonly host: string;
  /** null: not given. */
  readonly port: number | null;
}

/** Splits HOST[:PORT] (an IPv6 host in brackets when a port follows); null when it is not one. */
export function parseHostPort(text: string): HostPort | null {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const plain = /^([^:[\]]+)(?::(\d+))?$/.exec(text);
  const bareIpv6 = isIP(text) === 6 ? [text, text] : null;
  const match = bracketed ?? plain ?? bareIpv6;
  if (!match) return null;
  const port = match[2] === undefined ? null : Number(match[2]);
  if (port !== null && port > 65535) return null;
  return { host: match[1], port };
}

/** HOST:PORT, with an IPv6 host in brackets. */
export function joinHostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

export function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}

/** The wildcard listen address (any free port) of the family `coordinatorHost` resolves to; IPv4 when it does not resolve. */
export async function defaultPeerListen(coordinatorHost: string): Promise<string> {
  const family = await lookup(coordinatorHost).then(
    (found) => found.family,
    () => 4,
  );
  return family === 6 ? '[::]:0' : '0.0.0.0:0';
}

/**
 * The local IP address this machine reaches `host`:`port` from: the source
 * address the kernel picks for it (a connected UDP socket; no packet is sent).
 */
export async function localAddressTowards(host: string, port: number): Promise<string> {
  const { address, family } = await lookup(host);
  const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(port, address, () => resolve());
    });
    return socket.address().address;
  } finally {
    socket.close();
  }
}

/**
 * The address peers dial: --peer-advertise (its port defaulting to the bound
 * one), else the listen host unless it is a wildcard, else the local address
 * of this worker's route to the coordinator; always with the bound port
 * unless --peer-advertise names one.
 */
export async function advertisedPeerAddress(options: { advertise: HostPort | null; listenHost: string; boundPort: number; coordinator: HostPort }): Promise<string> {
  const { advertise, listenHost, boundPort, coordinator } = options;
  if (advertise) return joinHostPort(advertise.host, advertise.port ?? boundPort);
  if (!isWildcard(listenHost)) return joinHostPort(listenHost, boundPort);
  return joinHostPort(await localAddressTowards(coordinator.host, coordinator.port ?? 0), boundPort);
}
