// Sums every vitest JSON report under the results folder into one line: `N passed, N failed`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
let passed = 0;
let failed = 0;
let reports = 0;
for (const name of existsSync(dir) ? readdirSync(dir) : []) {
  if (!name.endsWith('.json')) continue;
  const report = JSON.parse(readFileSync(join(dir, name), 'utf8'));
  reports++;
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  // a test file that failed to load has no tests but is a failure
  for (const file of report.testResults ?? [])
    if (file.status === 'failed' && (file.assertionResults ?? []).length === 0) failed++;
}
if (reports === 0) failed = Math.max(failed, 1);
console.log(`${passed} passed, ${failed} failed`);
