/**
 * The page's files, built once when the dashboard starts: the page script
 * (TypeScript, with uPlot) bundled by esbuild in memory, the styles (uPlot's
 * and ours) and the HTML. Nothing comes from the network, and there is no
 * build step for `npm ci` to miss.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

export interface Asset {
  readonly contentType: string;
  readonly body: Buffer;
  /** The body gzipped, served to browsers that accept it. */
  readonly gzipped: Buffer;
  readonly etag: string;
}

const PAGE_DIR = new URL('./page/', import.meta.url);

/** Path -> asset, for '/', '/app.js', '/app.css' and the sign-in form '/login'. */
export async function buildAssets(): Promise<Map<string, Asset>> {
  const require = createRequire(import.meta.url);
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('main.ts', PAGE_DIR))],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  const [html, loginHtml, ownCss, uplotCss] = await Promise.all([
    readFile(new URL('index.html', PAGE_DIR)),
    readFile(new URL('login.html', PAGE_DIR)),
    readFile(new URL('style.css', PAGE_DIR)),
    readFile(require.resolve('uplot/dist/uPlot.min.css')),
  ]);
  return new Map([
    ['/', asset('text/html; charset=utf-8', html)],
    ['/app.js', asset('text/javascript; charset=utf-8', Buffer.from(bundle.outputFiles[0].contents))],
    ['/app.css', asset('text/css; charset=utf-8', Buffer.concat([uplotCss, Buffer.from('\n'), ownCss]))],
    ['/login', asset('text/html; charset=utf-8', loginHtml)],
  ]);
}

function asset(contentType: string, body: Buffer): Asset {
  return { contentType, body, gzipped: gzipSync(body), etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"` };
}
