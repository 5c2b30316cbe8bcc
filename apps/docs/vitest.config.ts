import { packageProject } from '../../vitest.shared';

// test/examples.test.ts runs every quick-start example in Node; test/site.test.ts checks the built site's files;
// test/browser.test.ts drives Chromium against the built site (`pnpm test` builds it first through turbo).
export default packageProject('docs', { include: ['test/**/*.test.ts'], testTimeout: 240_000 });
