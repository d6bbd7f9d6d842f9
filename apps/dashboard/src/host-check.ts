/**
 * Which Host and Origin headers the dashboard answers to. Against DNS
 * rebinding (a web page whose own name is made to resolve to 127.0.0.1 reads
 * a localhost dashboard as if it were its own origin) every request must
 * name the dashboard by an address or a name it knows: the bound address,
 * the loopback names on a loopback or wildcard bind, any IP literal and the
 * machine's host name on a wildcard bind (a page at an IP address is its own
 * origin, so no rebinding is possible), and the names given with --allowed-host (a proxy's or an
 * ingress's). Against cross-site WebSockets (browsers do not apply the
 * same-origin policy to them) a page's Origin must be the dashboard itself.
 */
import { isIP } from 'node:net';
import { hostname } from 'node:os';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** True for addresses only this machine can reach: localhost, 127.0.0.0/8, ::1. */
export function isLoopback(host: string): boolean {
  const h = bare(host.toLowerCase());
  return h === 'localhost' || h === '::1' || (isIP(h) === 4 && h.startsWith('127.')) || /^::ffff:127\./.test(h);
}

/** True for a bind on every interface (0.0.0.0, ::). */
export function isWildcard(host: string): boolean {
  const h = bare(host);
  return h === '0.0.0.0' || h === '::' || h === '';
}

export class HostPolicy {
  private readonly names: ReadonlySet<string>;
  private readonly explicit: ReadonlySet<string>;
  private readonly anyIp: boolean;

  /**
   * @param bindHost the address the dashboard listens on
   * @param allowedHosts further host names (no port), e.g. the ingress's
   */
  constructor(bindHost: string, allowedHosts: readonly string[]) {
    this.explicit = new Set(allowedHosts.map(normaliseName).filter((n): n is string => n !== null));
    const names = new Set(this.explicit);
    const bound = normaliseName(bindHost.includes(':') && !bindHost.startsWith('[') ? `[${bindHost}]` : bindHost);
    if (bound) names.add(bound);
    if (isLoopback(bindHost) || isWildcard(bindHost)) for (const n of LOOPBACK_NAMES) names.add(n);
    const machine = normaliseName(hostname());
    if (isWildcard(bindHost) && machine) names.add(machine);
    this.names = names;
    this.anyIp = isWildcard(bindHost);
  }

  /** Whether a request's Host header names this dashboard. */
  hostAllowed(hostHeader: string | undefined): boolean {
    const name = hostHeader ? normaliseName(hostHeader) : null;
    if (name === null) return false;
    return this.names.has(name) || (this.anyIp && isIP(bare(name)) !== 0);
  }

  /**
   * Whether a WebSocket (or form post) may come from a page at this Origin:
   * the dashboard's own (scheme aside, behind a TLS proxy), or an allowed
   * name. No Origin at all is not a browser, so not a page of another site.
   */
  originAllowed(originHeader: string | undefined, hostHeader: string | undefined): boolean {
    if (originHeader === undefined) return true;
    const origin = parseUrl(originHeader);
    if (!origin || (origin.protocol !== 'http:' && origin.protocol !== 'https:')) return false;
    const own = hostHeader ? parseUrl(`http://${hostHeader}`) : null;
    if (own && this.hostAllowed(hostHeader) && origin.host === own.host) return true;
    return this.explicit.has(origin.hostname);
  }
}

/** A Host header or name as the URL parser normalises it (lower case, IPv6 in brackets, no port); null if it is not one. */
function normaliseName(hostOrName: string): string | null {
  const url = parseUrl(`http://${hostOrName.trim()}`);
  return url && url.username === '' && url.pathname === '/' && url.search === '' ? url.hostname : null;
}

function parseUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

function bare(host: string): string {
  return host.replace(/^\[(.*)\]$/, '$1');
}
