import { describe, expect, it } from 'vitest';
import { UnknownNetError } from '../errors.ts';
import { netSpec } from './by-name.ts';

describe('net specs', () => {
  it('throws a typed error listing the known names for an unknown net', () => {
    expect(() => netSpec('net8')).toThrow(UnknownNetError);
    try {
      netSpec('net8');
    } catch (e) {
      expect(e).toBeInstanceOf(UnknownNetError);
      expect((e as UnknownNetError).known).toContain('net7');
      expect((e as Error).message).toMatch(/net8.*net1.*final/);
    }
    expect(() => netSpec('final-specialist-7')).toThrow(UnknownNetError);
    expect(() => netSpec('nope-specialist-1')).toThrow(UnknownNetError);
  });
});
