/**
 * Generates the TypeScript types of kfkd.proto into generated/ with
 * proto-loader-gen-types, using the same options as the loader (src/loader-options.ts),
 * with `.ts` extensions on relative imports (the workspace resolves modules
 * the NodeNext way and runs sources directly). `npm run proto:gen -w @kfkd/proto`; the output is
 * committed and a test checks it is up to date.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATOR_FLAGS } from '../src/loader-options.ts';

export const PROTO_DIR = fileURLToPath(new URL('..', import.meta.url));
export const PROTO_FILE = 'kfkd.proto';

/** Generates every file; returns relative path -> contents. */
export function generateTypes(): Map<string, string> {
  const require = createRequire(import.meta.url);
  const bin = join(dirname(require.resolve('@grpc/proto-loader/package.json')), 'build', 'bin', 'proto-loader-gen-types.js');
  const out = mkdtempSync(join(tmpdir(), 'kfkd-proto-'));
  try {
    execFileSync(process.execPath, [bin, ...GENERATOR_FLAGS, '--grpcLib=@grpc/grpc-js', '--importFileExtension=.ts', `--outDir=${out}`, PROTO_FILE], {
      cwd: PROTO_DIR,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const files = new Map<string, string>();
    for (const file of walk(out)) {
      const text = readFileSync(file, 'utf8');
      files.set(relative(out, file), text);
    }
    return files;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const target = join(PROTO_DIR, 'generated');
  rmSync(target, { recursive: true, force: true });
  for (const [path, text] of generateTypes()) {
    mkdirSync(dirname(join(target, path)), { recursive: true });
    writeFileSync(join(target, path), text);
  }
  process.stdout.write(`generated ${target}\n`);
}
