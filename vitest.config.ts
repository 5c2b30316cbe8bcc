import { defineConfig } from 'vitest/config';

// One run over every package: `pnpm test` at the root. Tests import workspace packages from their sources
// (the `selfsup-source` export condition), so a test never runs against a stale build. Under CI a JSON report
// is written for `.ci/run`'s `N passed, N failed` line.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*'],
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-results/vitest.json' }]] : ['default'],
  },
});
