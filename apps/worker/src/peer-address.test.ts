import { describe, expect, it } from 'vitest';
import { advertisedPeerAddress, defaultPeerListen, joinHostPort, parseHostPort } from './peer-address.ts';

describe('peer addresses', () => {
  it('reads HOST[:PORT], IPv6 hosts bracketed when a port follows', () => {
    expect(parseHostPort('10.0.0.5:7000')).toEqual({ host: '10.0.0.5', port: 7000 });
    expect(parseHostPort('worker-3.example')).toEqual({ host: 'worker-3.example', port: null });
    expect(parseHostPort('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseHostPort('fe80::1')).toEqual({ host: 'fe80::1', port: null });
    for (const bad of ['', ':80', 'host:', 'host:99999', 'a:b:c', '[::1']) expect(parseHostPort(bad), bad).toBeNull();
    expect(joinHostPort('::1', 5)).toBe('[::1]:5');
    expect(joinHostPort('10.0.0.5', 5)).toBe('10.0.0.5:5');
  });

  it('advertises --peer-advertise, else a listen host that is not a wildcard, else the local address towards the coordinator, with the bound port unless one is given', async () => {
    const coordinator = { host: '127.0.0.1', port: 50051 };
    expect(await advertisedPeerAddress({ advertise: { host: 'pod-7.ring', port: null }, listenHost: '0.0.0.0', boundPort: 4100, coordinator })).toBe('pod-7.ring:4100');
    expect(await advertisedPeerAddress({ advertise: { host: '10.1.1.1', port: 9000 }, listenHost: '0.0.0.0', boundPort: 4100, coordinator })).toBe('10.1.1.1:9000');
    expect(await advertisedPeerAddress({ advertise: null, listenHost: '127.0.0.2', boundPort: 4100, coordinator })).toBe('127.0.0.2:4100');
    expect(await advertisedPeerAddress({ advertise: null, listenHost: '0.0.0.0', boundPort: 4100, coordinator })).toBe('127.0.0.1:4100');
  });

  it('listens by default on the wildcard of the coordinator\'s address family', async () => {
    expect(await defaultPeerListen('127.0.0.1')).toBe('0.0.0.0:0');
    expect(await defaultPeerListen('::1')).toBe('[::]:0');
  });
});
