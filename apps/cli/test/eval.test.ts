import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliBuilt, MICRO, microFlags, mlmTrainArgs, runCli } from './run-cli.js';

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
    expect(text.stdout).not.toMatch(/by position/); // the MLM split is for MLM runs only
    expect(j.mlm).toBeUndefined();
  });

  it('splits an MLM loss into [MASK], random-token and unchanged positions, against the unigram baseline', () => {
    const corpus = join(root, 'mlm.txt');
    writeFileSync(
      corpus,
      Array.from(
        { length: 400 },
        (_, i) => `the ${['cat', 'dog', 'bird'][i % 3]} sat on the ${['mat', 'log'][i % 2]}.`,
      ).join('\n'),
    );
    const mlm = join(root, 'mlm');
    // rows of up to 8 tokens (one sentence each here) in a block of 24: batches trimmed to their longest row
    const trained = runCli(
      mlmTrainArgs(
        mlm,
        corpus,
        ...microFlags({ 'block-size': '24', 'batch-size': '8', 'mlm-row-tokens': '8' }),
        '--max-iters',
        '20',
        '--json',
      ),
    );
    expect(trained.code).toBe(0);
    const summary = JSON.parse(trained.stdout);
    const r = runCli(['eval', '--run', mlm, '--backend', 'cpu', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    const { masked, random, unchanged, unigramBaseline } = j.mlm;
    // every chosen token is one of the three kinds, and the whole loss is their weighted mean
    expect(masked.tokens + random.tokens + unchanged.tokens).toBe(j.tokens);
    const mean =
      (masked.loss * masked.tokens + random.loss * random.tokens + unchanged.loss * unchanged.tokens) / j.tokens;
    expect(j.loss).toBeCloseTo(mean, 9);
    // 80 / 10 / 10 of the chosen tokens (a few hundred of them: loose bounds)
    expect(masked.tokens / j.tokens).toBeGreaterThan(0.65);
    expect(masked.tokens / j.tokens).toBeLessThan(0.92);
    expect(random.tokens).toBeGreaterThan(0);
    expect(unchanged.tokens).toBeGreaterThan(0);
    // the same baseline the training summary reports: val tokens guessed from train frequencies
    expect(unigramBaseline).toBeCloseTo(summary.unigramBaseline, 12);
    const text = runCli(['eval', '--run', mlm, '--backend', 'cpu']);
    expect(text.stdout).toMatch(
      /by position: \[MASK\] \d\.\d{4} \([\d,]+\) · random token \d+\.\d{4} \([\d,]+\) · unchanged \d\.\d{4} \([\d,]+\)/,
    );
    expect(text.stdout).toMatch(/unigram baseline \d\.\d{4}: \[MASK\] positions are -?\d\.\d{3} nats under it/);
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
