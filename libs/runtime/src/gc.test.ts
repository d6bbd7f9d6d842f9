import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const GC_MODULE = fileURLToPath(new URL('./gc.ts', import.meta.url));

/** Runs a child that builds up and drops old-generation garbage, with --trace-gc; returns its trace. */
function traceOfChild(prefer: boolean): string {
  const script = `
    ${prefer ? `const { preferThroughputGc } = await import(${JSON.stringify(GC_MODULE)}); preferThroughputGc();` : ''}
    let keep = [];
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 20000; i++) keep.push({ round, i, text: 'x'.repeat(64) + i });
      if (round % 4 === 3) keep = [];
    }
  `;
  const child = spawnSync(process.execPath, ['--trace-gc', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(child.status, child.stderr).toBe(0);
  return child.stdout;
}

describe('preferThroughputGc', () => {
  it('makes old-generation collections whole pauses instead of incremental marking', () => {
    const normal = traceOfChild(false);
    expect(normal).toMatch(/Mark-Compact.*incremental marking/);
    const preferred = traceOfChild(true);
    expect(preferred).toMatch(/Mark-Compact/);
    expect(preferred).not.toMatch(/incremental marking/);
  });
});
