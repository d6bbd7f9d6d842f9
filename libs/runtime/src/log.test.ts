import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatLogLine, stderrLogger } from './log.ts';

describe('log lines', () => {
  afterEach(() => void vi.restoreAllMocks());

  it('are a constant message plus key=value fields, strings with spaces quoted, undefined fields left out', () => {
    expect(formatLogLine('coordinator', 'info', 'worker removed', { worker: 'a', detail: 'no result', n: 2, gone: undefined })).toBe(
      '[coordinator] worker removed worker=a detail="no result" n=2',
    );
    expect(formatLogLine('worker w1', 'warn', 'session ended')).toBe('[worker w1] warn: session ended');
  });

  it('show debug lines only with KFKD_LOG_LEVEL=debug', () => {
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (written.push(String(chunk)), true));
    stderrLogger('c', {}).debug('hidden');
    stderrLogger('c', { KFKD_LOG_LEVEL: 'debug' }).debug('shown', { step: 3 });
    stderrLogger('c', {}).info('always');
    expect(written).toEqual(['[c] debug: shown step=3\n', '[c] always\n']);
  });
});
