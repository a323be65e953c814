import { existsSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The page's files: plain HTML, CSS and JS, no build step, nothing fetched from a CDN. */
const FILES = ['index.html', 'app.js', 'style.css', 'favicon.svg'];

/**
 * The assets folder: next to this file when running from source, and under the package's
 * `src/` when running the compiled `dist/` (tsc does not copy non-TypeScript files).
 */
function assetsDir(): string {
  const candidates = [new URL('./assets/', import.meta.url), new URL('../../../src/dashboard/assets/', import.meta.url)];
  for (const candidate of candidates) {
    const dir = fileURLToPath(candidate);
    if (existsSync(`${dir}index.html`)) return dir;
  }
  throw new Error(`dashboard assets not found (looked in ${candidates.map((c) => fileURLToPath(c)).join(', ')})`);
}

let cache: Map<string, Buffer> | undefined;

function load(): Map<string, Buffer> {
  if (!cache) {
    const dir = assetsDir();
    cache = new Map(FILES.map((f) => [f, readFileSync(`${dir}${f}`)]));
  }
  return cache;
}

/** Serves `/` (the page), the files above, and the page again for any other GET (client-side routes). */
export function serveAsset(path: string, res: ServerResponse): void {
  const files = load();
  const name = path === '/' ? 'index.html' : path.replace(/^\/(assets\/)?/, '');
  const file = files.get(name) ?? (path.includes('.') ? undefined : files.get('index.html'));
  if (!file) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    return void res.end(`not found: ${path}\n`);
  }
  const ext = (files.has(name) ? name : 'index.html').replace(/^.*(\.[a-z]+)$/, '$1');
  res.writeHead(200, { 'content-type': TYPES[ext] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
  res.end(file);
}
