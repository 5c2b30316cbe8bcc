/**
 * The packages keep their file helpers (readCorpus, writeTokenFile, saveModel, …) next to the in-memory code the
 * widgets use, so importing them pulls `node:fs` and friends into the browser bundle. Vite replaces those modules
 * with an empty object, and Rollup then fails on every named import. This plugin gives the client bundle a stand-in
 * for each Node built-in instead: the same export names, where a function throws a clear error if it is ever called
 * in the page (nothing the widgets call does). The server-side render keeps the real modules.
 */
import { builtinModules, createRequire } from 'node:module';
import type { Plugin } from 'vitepress';

const PREFIX = '\0selfsup-node-stub:';
const require = createRequire(import.meta.url);
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Values the packages read while their modules load, so they must be right rather than throw. */
const KNOWN: Record<string, string> = {
  'os.endianness': "() => 'LE'",
  'os.EOL': "'\\n'",
  'path.sep': "'/'",
  'path.delimiter': "':'",
  'module.createRequire':
    '() => Object.assign(() => { unavailable("require"); }, { resolve: () => unavailable("require.resolve") })',
};

function stubSource(name: string): string {
  const real = require(name) as Record<string, unknown>;
  const lines = [
    `function unavailable(what) { throw new Error(\`\${what} (node:${name}) is not available in the browser\`); }`,
  ];
  const names = Object.keys(real).filter((key) => /^[A-Za-z_$][\w$]*$/.test(key) && key !== 'default');
  for (const key of names) {
    const known = KNOWN[`${name}.${key}`];
    if (known) lines.push(`export const ${key} = ${known};`);
    else if (typeof real[key] === 'function') {
      lines.push(`export function ${key}() { unavailable(${JSON.stringify(`${key}()`)}); }`);
    } else lines.push(`export const ${key} = undefined;`);
  }
  lines.push(`export default { ${names.join(', ')} };`);
  return lines.join('\n');
}

/** The smallest part of esbuild's plugin interface this needs (esbuild is Vite's, not a dependency of ours). */
interface EsbuildPlugin {
  name: string;
  setup(build: {
    onResolve(
      options: { filter: RegExp },
      callback: (args: { path: string }) => { path: string; namespace: string },
    ): void;
    onLoad(
      options: { filter: RegExp; namespace: string },
      callback: (args: { path: string }) => { contents: string; loader: 'js' },
    ): void;
  }): void;
}

/**
 * The same stand-ins for `vitepress dev`, whose dependency pre-bundling (esbuild) would otherwise give the browser
 * Vite's empty placeholder, on which tinyglobby's top-level `createRequire(import.meta.url)` fails.
 */
export function nodeStubsForDevDeps(): EsbuildPlugin {
  const names = [...builtins].map((b) => b.replace(/^node:/, '').replace(/[/\\^$.*+?()[\]{}|]/g, '\\$&'));
  const filter = new RegExp(`^(node:)?(${[...new Set(names)].join('|')})$`);
  return {
    name: 'selfsup-node-stubs',
    setup(build) {
      build.onResolve({ filter }, (args) => ({
        path: args.path.replace(/^node:/, ''),
        namespace: 'selfsup-node-stub',
      }));
      build.onLoad({ filter: /.*/, namespace: 'selfsup-node-stub' }, (args) => ({
        contents: stubSource(args.path),
        loader: 'js',
      }));
    },
  };
}

export function nodeStubs(): Plugin {
  return {
    name: 'selfsup-node-stubs',
    enforce: 'pre',
    resolveId(id, _importer, options) {
      if (options?.ssr || !builtins.has(id)) return null;
      return PREFIX + id.replace(/^node:/, '');
    },
    load(id) {
      if (!id.startsWith(PREFIX)) return null;
      return stubSource(id.slice(PREFIX.length));
    },
  };
}
