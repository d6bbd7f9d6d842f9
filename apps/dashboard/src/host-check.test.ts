import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { HostPolicy, isLoopback } from './host-check.ts';

describe('HostPolicy', () => {
  it('on a loopback bind: the address and the loopback names, any port; nothing else', () => {
    const p = new HostPolicy('127.0.0.1', []);
    for (const host of ['127.0.0.1:8080', 'localhost:8080', 'LOCALHOST', '[::1]:8080']) expect(p.hostAllowed(host), host).toBe(true);
    for (const host of [undefined, '', 'evil.example:8080', '10.0.0.7:8080', 'localhost.evil.example', 'localhost@evil.example', 'a/b']) expect(p.hostAllowed(host), String(host)).toBe(false);
  });

  it("on a wildcard bind: any IP literal (no rebinding can produce one), loopback names and the machine's name, but no other name", () => {
    const p = new HostPolicy('0.0.0.0', ['kfkd.example.org']);
    for (const host of ['10.1.2.3:8080', '[fd00::7]:8080', 'localhost:8080', 'kfkd.example.org', `${hostname()}:8080`]) expect(p.hostAllowed(host), host).toBe(true);
    expect(p.hostAllowed('node-7.internal:8080')).toBe(false);
  });

  it('on a specific address: that address and the allowed names only', () => {
    const p = new HostPolicy('10.0.0.7', ['kfkd.example.org']);
    expect(p.hostAllowed('10.0.0.7:8080')).toBe(true);
    expect(p.hostAllowed('kfkd.example.org:443')).toBe(true);
    expect(p.hostAllowed('localhost:8080')).toBe(false);
    expect(p.hostAllowed('10.0.0.8:8080')).toBe(false);
  });

  it("an Origin is the request's own host (http or https), an allowed name, or absent (not a browser)", () => {
    const p = new HostPolicy('127.0.0.1', ['kfkd.example.org']);
    expect(p.originAllowed(undefined, '127.0.0.1:8080')).toBe(true);
    expect(p.originAllowed('http://127.0.0.1:8080', '127.0.0.1:8080')).toBe(true);
    expect(p.originAllowed('https://kfkd.example.org', '127.0.0.1:8080')).toBe(true);
    for (const origin of ['null', 'http://127.0.0.1:9090', 'https://evil.example', 'file://', 'chrome-extension://abc']) expect(p.originAllowed(origin, '127.0.0.1:8080'), origin).toBe(false);
    // A refused Host is not made good by a matching Origin.
    expect(p.originAllowed('http://evil.example:8080', 'evil.example:8080')).toBe(false);
  });
});

it('isLoopback', () => {
  for (const h of ['127.0.0.1', '127.8.9.10', 'localhost', '::1', '[::1]']) expect(isLoopback(h), h).toBe(true);
  for (const h of ['0.0.0.0', '::', '10.0.0.7', 'example.org', '128.0.0.1']) expect(isLoopback(h), h).toBe(false);
});
