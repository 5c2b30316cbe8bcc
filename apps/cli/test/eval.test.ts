import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliBuilt, MICRO, runCli } from './run-cli.js';

let root = '';
let run = '';

describe.runIf(cliBuilt())('selfsup eval', () => {
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'selfsup-cli-eval-'));
    writeFileSync(join(root, 'c.txt'), 'one two three four five six seven.\n'.repeat(100));
    run = join(root, 'run');
    expect(runCli(['train', '--out', run, '--data', join(root, 'c.txt'), ...MICRO, '--max-iters', '10']).code).toBe(0);
  });

  it("evaluates every val token of the run's own data: loss and perplexity", () => {
    const r = runCli(['eval', '--run', run, '--backend', 'cpu', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    const meta = JSON.parse(readFileSync(join(run, 'data', 'meta.json'), 'utf8'));
    expect(j).toMatchObject({ split: 'val', step: 10, tokens: meta.split.val - 1 });
    expect(j.perplexity).toBeCloseTo(Math.exp(j.loss), 8);
    expect(j.loss).toBeGreaterThan(0);
    const text = runCli([
      'eval',
      '--run',
      run,
      '--data',
      join(run, 'data'),
      '--split',
      'train',
      '--max-batches',
      '2',
      '--backend',
      'cpu',
    ]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^train loss \d\.\d{4}, perplexity [\d.]+ \(step 10; 128 tokens in 2 batches/);
  });

  it('refuses data with another vocabulary and a missing run', () => {
    writeFileSync(join(root, 'other.txt'), 'xyz qrs\n'.repeat(50));
    expect(runCli(['prepare', '--data', join(root, 'other.txt'), '--out', join(root, 'other')]).code).toBe(0);
    const r = runCli(['eval', '--run', run, '--data', join(root, 'other'), '--backend', 'cpu']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/its vocabulary has \d+ tokens, the model's \d+/);
    expect(runCli(['eval', '--run', join(root, 'none'), '--backend', 'cpu']).code).toBe(2);
  });
});
