#!/usr/bin/env node
// Serves the built site (.vitepress/dist) the way a deployment must: with the cross-origin isolation headers that
// tfjs' threaded wasm backend needs (SharedArrayBuffer). `vitepress preview` cannot add response headers, so
// `pnpm --filter docs preview` runs this file instead; the browser tests start the same server.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The headers every response carries (the same list as public/_headers). */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

const defaultRoot = fileURLToPath(new URL('../.vitepress/dist', import.meta.url));

/** Maps a URL path to a file under root: `/a/` → `/a/index.html`, `/a/b` → `/a/b.html` (clean URLs). */
function fileFor(root, urlPath) {
  let path;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  const full = normalize(join(root, path));
  if (full !== root && !full.startsWith(root + sep)) return undefined;
  const candidates = path.endsWith('/') ? [join(full, 'index.html')] : [full, `${full}.html`, join(full, 'index.html')];
  return candidates.find((f) => existsSync(f) && statSync(f).isFile());
}

/**
 * Starts the server; resolves to `{ url, close }`. `port: 0` picks a free port.
 * @param {{ root?: string, host?: string, port?: number }} [options]
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export function serve(options = {}) {
  const root = resolve(options.root ?? defaultRoot);
  const host = options.host ?? '127.0.0.1';
  if (!existsSync(join(root, 'index.html'))) {
    return Promise.reject(new Error(`${root} holds no built site: run \`pnpm --filter docs build\` first`));
  }
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let file = fileFor(root, url.pathname);
    let status = 200;
    if (!file) {
      status = 404;
      file = join(root, '404.html');
    }
    const type = TYPES[extname(file)] ?? 'application/octet-stream';
    res.writeHead(status, {
      ...ISOLATION_HEADERS,
      'Content-Type': type,
      'Cache-Control': file.includes(`${sep}assets${sep}`) ? 'max-age=31536000, immutable' : 'no-cache',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(file).pipe(res);
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 4173, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : options.port;
      ok({
        url: `http://${host}:${port}`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const portArg = process.argv.indexOf('--port');
  const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 4173;
  serve({ port }).then(
    ({ url }) => console.log(`selfsup docs (cross-origin isolated) at ${url}/`),
    (error) => {
      console.error(error.message);
      process.exit(1);
    },
  );
}
