import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROTO_DIR, generateTypes } from '../scripts/generate.ts';
import { kfkdProto } from './index.ts';

describe('generated types', () => {
  it('are what `npm run proto:gen -w @kfkd/proto` produces from kfkd.proto today', () => {
    const fresh = generateTypes();
    expect(fresh.size).toBeGreaterThan(0);
    for (const [path, text] of fresh) {
      const committed = readFileSync(join(PROTO_DIR, 'generated', path), 'utf8');
      expect(committed, `${path} is stale: run npm run proto:gen -w @kfkd/proto`).toBe(text);
    }
  });

  it('describe the service the loader builds', () => {
    const service = kfkdProto().kfkd.v1.Coordinator.service;
    expect(Object.keys(service).sort()).toEqual(['Heartbeat', 'Join', 'Report', 'Watch']);
  });
});
