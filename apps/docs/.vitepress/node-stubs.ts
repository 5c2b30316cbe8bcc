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
