/**
 * No module of src/ imports itself back through others. Every import counts:
 * `import type` (a Flags type is enough to tie two files together for a
 * reader and for tsc), re-exports and `await import()` of a command's run.
 * TypeScript's own pre-processor lists a file's imports, so imports in
 * comments or strings do not count and none written any way is missed.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = dirname(fileURLToPath(import.meta.url));

/** The .ts files under `root`, and for each the files under `root` it imports by a relative path. */
function importGraph(root: string): Map<string, string[]> {
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(root, f));
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = importedFiles
      .map((i) => i.fileName)
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => resolve(dirname(file), specifier))
      .filter((target) => known.has(target));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** One cycle per strongly connected component of more than one file (or a file importing itself), as `a -> b -> a`. */
function importCycles(root: string): string[] {
  const graph = importGraph(root);
  const name = (file: string): string => relative(root, file).split('\\').join('/');
  // Tarjan's algorithm: each component is found once, whatever the order of the files.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[] = [];
  const visit = (file: string): void => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file)!, index.get(target)!));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || graph.get(file)!.includes(file)) cycles.push(cycleThrough(file, new Set(component), graph).map(name).join(' -> '));
  };
  for (const file of [...graph.keys()].sort()) if (!index.has(file)) visit(file);
  return cycles.sort();
}

/** A path from `start` back to itself inside its component (breadth first: the shortest). */
function cycleThrough(start: string, component: ReadonlySet<string>, graph: ReadonlyMap<string, string[]>): string[] {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const target of graph.get(file) ?? []) {
      if (!component.has(target)) continue;
      if (target === start) {
        const path = [start];
        for (let at = file; at !== start; at = cameFrom.get(at)!) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!cameFrom.has(target)) {
        cameFrom.set(target, file);
        queue.push(target);
      }
    }
  }
  return [start, start];
}

describe('imports between the modules of src/', () => {
  it('form no cycle', () => {
    expect(importCycles(SRC)).toEqual([]);
  });

  it('count type-only imports, re-exports and dynamic imports, but not imports in comments or strings', () => {
    const root = mkdtempSync(join(tmpdir(), 'kfkd-import-cycles-'));
    try {
      const write = (file: string, text: string): void => writeFileSync(join(root, file), text);
      // The shape of the cycles this test was written for: a command file loads its run
      // on use, and the run imports the command's Flags type.
      write('command.ts', "export async function act(): Promise<void> {\n  await import('./run.ts');\n}\n");
      write('run.ts', "import type { Flags } from './command.ts';\nexport function run(flags: Flags): void {}\n");
      write('a.ts', "export * from './b.ts';\n");
      write('b.ts', "export { c } from './c.ts';\n");
      write('c.ts', "import './a.ts';\nexport const c = 1;\n");
      write('self.ts', "import { x } from './self.ts';\nexport const x = 1;\n");
      write('quiet.ts', "// import './lonely.ts'\nexport const text = \"import('./lonely.ts')\";\n");
      write('lonely.ts', "import { text } from './quiet.ts';\nexport const t = text;\n");
      expect(importCycles(root)).toEqual(['a.ts -> b.ts -> c.ts -> a.ts', 'command.ts -> run.ts -> command.ts', 'self.ts -> self.ts']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
