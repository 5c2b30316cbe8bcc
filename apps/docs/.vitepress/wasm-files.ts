/**
 * tfjs-backend-wasm's Emscripten builds (`wasm-out/*.js` and `*.wasm`) must be reachable by URL: the threaded build's
 * workers load the main script by URL, and @selfsup/backends fetches the binaries from `wasmPaths`. This plugin
 * serves them at /tfjs-wasm/ in `vitepress dev` and copies them there in the client build.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'vitepress';

/** The URL folder (under the site's base) the wasm files are served from. */
export const WASM_DIR = 'tfjs-wasm';

const require = createRequire(import.meta.url);
const source = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
const files = () => readdirSync(source).filter((f) => /\.(js|wasm)$/.test(f) && !f.endsWith('.d.ts'));

export function wasmFiles(): Plugin {
  let ssr = false;
  return {
    name: 'selfsup-wasm-files',
    configResolved(config) {
      ssr = Boolean(config.build.ssr);
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const match = req.url?.match(new RegExp(`/${WASM_DIR}/([\\w.-]+)$`));
        if (!match || !files().includes(match[1])) return next();
        res.setHeader('Content-Type', match[1].endsWith('.wasm') ? 'application/wasm' : 'text/javascript');
        res.end(readFileSync(join(source, match[1])));
      });
    },
    generateBundle() {
      if (ssr) return;
      for (const name of files()) {
        this.emitFile({ type: 'asset', fileName: `${WASM_DIR}/${name}`, source: readFileSync(join(source, name)) });
      }
    },
  };
}
