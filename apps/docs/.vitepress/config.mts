import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vitepress';
import { en } from './locales/en';
import { zh } from './locales/zh';
import { nodeStubs, nodeStubsForDevDeps } from './node-stubs';
import { wasmFiles } from './wasm-files';

/**
 * Headers the page needs so tfjs' threaded wasm backend can use SharedArrayBuffer (a cross-origin isolated page).
 * `vitepress dev` sends them through Vite; `pnpm --filter docs preview` is our own server (scripts/serve.mjs) because
 * `vitepress preview` cannot add headers; a deployment copies them from public/_headers (see the backends page).
 */
export const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** Vite's `server.headers` does not reach the pages VitePress serves, so the dev server sets them on every response. */
function isolationInDev(): Plugin {
  return {
    name: 'selfsup-isolation-headers',
    configureServer(server) {
      server.middlewares.use((_req, res, next) => {
        for (const [name, value] of Object.entries(isolationHeaders)) res.setHeader(name, value);
        next();
      });
    },
  };
}

export default defineConfig({
  srcDir: 'src',
  title: 'selfsup',
  cleanUrls: false,
  lastUpdated: false,
  // The generated API reference is included into the package pages; it is not a page of its own.
  srcExclude: ['**/.generated/**', '**/README.md'],
  head: [['link', { rel: 'icon', type: 'image/svg+xml', href: '/logo.svg' }]],
  locales: {
    root: { label: 'English', lang: 'en-US', ...en },
    zh: { label: '简体中文', lang: 'zh-CN', link: '/zh/', ...zh },
  },
  markdown: { math: false, lineNumbers: false },
  themeConfig: {
    logo: '/logo.svg',
    search: {
      provider: 'local',
      options: {
        locales: {
          zh: {
            translations: {
              button: { buttonText: '搜索', buttonAriaLabel: '搜索' },
              modal: {
                displayDetails: '显示详情',
                resetButtonTitle: '清除',
                backButtonTitle: '关闭',
                noResultsText: '没有找到',
                footer: { selectText: '选择', navigateText: '切换', closeText: '关闭' },
              },
            },
          },
        },
      },
    },
  },
  vite: {
    plugins: [isolationInDev(), nodeStubs(), wasmFiles()],
    // tinyglobby (behind @selfsup/dataset's readCorpus) reads process.platform when it loads.
    define: { 'process.platform': JSON.stringify('browser') },
    resolve: {
      // Use the packages' TypeScript sources, like the tests do, so the site never shows a stale build.
      conditions: ['selfsup-source'],
      alias: { '@examples': fileURLToPath(new URL('../examples', import.meta.url)) },
    },
    ssr: { resolve: { conditions: ['selfsup-source'] } },
    server: { headers: isolationHeaders, fs: { allow: ['../../..'] } },
    preview: { headers: isolationHeaders },
    build: { chunkSizeWarningLimit: 4096 },
    optimizeDeps: {
      // Dev only: dependencies are pre-bundled by esbuild, which needs the same stand-ins (tinyglobby reads
      // process.env and calls createRequire when it loads).
      esbuildOptions: {
        plugins: [nodeStubsForDevDeps()],
        define: { 'process.env': '{}', 'process.platform': '"browser"' },
      },
    },
  },
});
