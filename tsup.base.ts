import type { Options } from 'tsup';

/** Shared build settings: ESM first, CJS too, declarations, one entry per public module. */
export function packageBuild(
  entry: Record<string, string> | string[] = ['src/index.ts'],
  extra: Options = {},
): Options {
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    splitting: false,
    treeshake: true,
    ...extra,
  };
}
