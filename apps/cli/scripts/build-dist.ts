/**
 * The compiled build of the `kfkd` command (`npm run build`): plain
 * JavaScript that `node` runs without tsx, for production images.
 *
 * Why tsc and not a bundler: tsc emits one .js file per .ts file
 * (`rewriteRelativeImportExtensions` turns `./x.ts` imports into `./x.js`), so
 * every package keeps its layout and the paths the code finds relative to
 * `import.meta.url` hold unchanged: proto/kfkd.proto for the gRPC loader, the
 * dashboard's page folder, apps/cli/bin/kfkd.js that `kfkd local` starts its
 * children with. A bundle would move them all. tsc also type-checks the whole
 * program on the way (tsconfig.build.json).
 *
 * Layout of OUT (default dist/), next to a node_modules with the production
 * dependencies (`npm ci --omit=dev`), e.g. /app/dist and /app/node_modules:
 *   OUT/kfkd.js                        the entry point: `node dist/kfkd.js --help`
 *   OUT/node_modules/@kfkd/<pkg>/      each workspace package the CLI uses,
 *                                      compiled, with its package.json's
 *                                      exports pointing at the .js files
 * Node resolves `@kfkd/model` from the compiled code to OUT/node_modules
 * (the nearest node_modules), and third-party packages further up, so the
 * workspace links in the outer node_modules (to the .ts sources) are never
 * reached.
 *
 * Usage: tsx apps/cli/scripts/build-dist.ts [--out DIR]
 */
import { spawn } from 'node:child_process';
import { cp, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The package whose closure of @kfkd/* dependencies is built. */
const ENTRY_PACKAGE = '@kfkd/cli';

interface PackageJson {
  name: string;
  version: string;
  type?: string;
  exports?: Record<string, string>;
  dependencies?: Record<string, string>;
}

interface WorkspacePackage {
  /** Folder relative to the repository root, e.g. libs/model. */
  readonly dir: string;
  readonly json: PackageJson;
}

/**
 * Files a package reads at run time besides its compiled code, relative to
 * the package folder; each is copied as is.
 */
const RUNTIME_FILES: Readonly<Record<string, readonly string[]>> = {
  // Loaded by @grpc/proto-loader from proto/src/index.ts (`../kfkd.proto`).
  '@kfkd/proto': ['kfkd.proto'],
  // The page is bundled by esbuild when the dashboard starts, from its
  // TypeScript sources, as in development (apps/dashboard/src/assets.ts):
  // its folder and the shared modules it imports go along as sources.
  '@kfkd/dashboard': ['src/page', 'src/shared'],
};

/** The compiled bin of the CLI: the source one registers tsx first. */
const CLI_BIN = `#!/usr/bin/env node
// The \`kfkd\` command, compiled (npm run build): plain JavaScript, no tsx.
await import('../src/main.js');
`;

const ENTRY = `#!/usr/bin/env node
// The compiled \`kfkd\` command (npm run build): node dist/kfkd.js --help
await import('./node_modules/@kfkd/cli/bin/kfkd.js');
`;

export interface BuildResult {
  readonly outDir: string;
  /** The entry point: `node <entry> --help`. */
  readonly entry: string;
  /** Names of the workspace packages built. */
  readonly packages: readonly string[];
}

/** Builds the CLI into `outDir` (emptied first). Rejects with tsc's output when the code does not compile. */
export async function buildDist(outDir: string): Promise<BuildResult> {
  const out = resolve(outDir);
  const workspace = await workspacePackages();
  const packages = closure(workspace, ENTRY_PACKAGE);
  await rm(out, { recursive: true, force: true });
  const staging = join(out, '.tsc');
  await runTsc(staging);

  for (const name of packages) {
    const pkg = workspace.get(name)!;
    const target = join(out, 'node_modules', name);
    await mkdir(target, { recursive: true });
    await rename(join(staging, pkg.dir, 'src'), join(target, 'src'));
    for (const file of RUNTIME_FILES[name] ?? []) {
      await cp(join(REPO_ROOT, pkg.dir, file), join(target, file), { recursive: true, filter: (source) => !source.endsWith('.test.ts') });
    }
    await writeFile(join(target, 'package.json'), JSON.stringify(compiledPackageJson(pkg.json), null, 2) + '\n');
  }
  const cliBin = join(out, 'node_modules', ENTRY_PACKAGE, 'bin', 'kfkd.js');
  await mkdir(dirname(cliBin), { recursive: true });
  await writeFile(cliBin, CLI_BIN, { mode: 0o755 });
  const entry = join(out, 'kfkd.js');
  await writeFile(entry, ENTRY, { mode: 0o755 });
  // OUT may sit outside any package with "type": "module" (a temp folder, /app).
  await writeFile(join(out, 'package.json'), JSON.stringify({ private: true, type: 'module' }, null, 2) + '\n');
  await rm(staging, { recursive: true, force: true });
  return { outDir: out, entry, packages };
}

async function workspacePackages(): Promise<Map<string, WorkspacePackage>> {
  const root = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
  const dirs: string[] = [];
  for (const pattern of root.workspaces) {
    if (pattern.endsWith('/*')) {
      const parent = pattern.slice(0, -2);
      const entries = await readdir(join(REPO_ROOT, parent), { withFileTypes: true });
      dirs.push(...entries.filter((e) => e.isDirectory()).map((e) => `${parent}/${e.name}`));
    } else {
      dirs.push(pattern);
    }
  }
  const packages = new Map<string, WorkspacePackage>();
  for (const dir of dirs) {
    const json = JSON.parse(await readFile(join(REPO_ROOT, dir, 'package.json'), 'utf8')) as PackageJson;
    packages.set(json.name, { dir, json });
  }
  return packages;
}

/** `entry` and every workspace package it depends on, directly or not. */
function closure(workspace: ReadonlyMap<string, WorkspacePackage>, entry: string): string[] {
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    const pkg = workspace.get(name);
    if (!pkg) throw new Error(`${name} is not a workspace package`);
    seen.add(name);
    for (const dep of Object.keys(pkg.json.dependencies ?? {})) if (workspace.has(dep)) visit(dep);
  };
  visit(entry);
  return [...seen].sort();
}

/** The package.json of a compiled package: its exports point at the .js files; nothing else is needed to resolve it. */
export function compiledPackageJson(json: PackageJson): PackageJson {
  const exports: Record<string, string> = {};
  for (const [key, target] of Object.entries(json.exports ?? {})) {
    if (!target.endsWith('.ts')) throw new Error(`${json.name}: export ${key} -> ${target} is not a .ts source`);
    exports[key] = target.replace(/\.ts$/, '.js');
  }
  return { name: json.name, version: json.version, type: json.type ?? 'module', exports };
}

function runTsc(outDir: string): Promise<void> {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const args = [tsc, '-p', join(REPO_ROOT, 'tsconfig.build.json'), '--outDir', outDir];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolvePromise() : reject(new Error(`tsc failed (exit ${code}):\n${output}`))));
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--out');
  const outDir = at >= 0 && process.argv[at + 1] ? process.argv[at + 1] : join(REPO_ROOT, 'dist');
  const started = performance.now();
  try {
    const result = await buildDist(outDir);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    process.stdout.write(`built ${result.packages.join(', ')} into ${relative(process.cwd(), result.outDir) || '.'} in ${seconds} s; run: node ${relative(process.cwd(), result.entry)} --help\n`);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
