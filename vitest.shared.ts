import { defineProject } from 'vitest/config';

/** The settings every package's vitest project shares. */
export function packageProject(name: string, extra: { testTimeout?: number; include?: string[] } = {}) {
  return defineProject({
    resolve: { conditions: ['selfsup-source'] },
    ssr: { resolve: { conditions: ['selfsup-source'] } },
    test: {
      name,
      include: extra.include ?? ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: extra.testTimeout ?? 60_000,
      hookTimeout: 120_000,
      pool: 'forks',
    },
  });
}
