import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliBuilt, microFlags, mlmTrainArgs, runCli } from './run-cli.js';

const SENTENCES = [
  'the cat sat on the mat.',
  'the dog sat on the log.',
  'a bird sat on the hat.',
  'the cat ate the fish.',
];
const MICRO = microFlags({ 'n-embd': '32', 'block-size': '24', 'batch-size': '8' });
let mlm = '';
let clm = '';

describe.runIf(cliBuilt())('selfsup fill-mask', () => {
  beforeAll(() => {
    const root = mkdtempSync(join(tmpdir(), 'selfsup-cli-fill-'));
    const corpus = join(root, 'c.txt');
    writeFileSync(corpus, Array.from({ length: 300 }, (_, i) => SENTENCES[i % 4]).join('\n'));
    mlm = join(root, 'mlm');
    clm = join(root, 'clm');
    const r = runCli(mlmTrainArgs(mlm, corpus, ...MICRO, '--max-iters', '40', '--lr', '0.01', '--json'));
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.objective).toBe('mlm');
    expect(summary.unigramBaseline).toBeGreaterThan(0);
    expect(runCli(['train', '--out', clm, '--data', corpus, ...MICRO, '--max-iters', '2']).code).toBe(0);
  });

  it('ranks tokens for each [MASK], with scores and the filled sequence', () => {
    const r = runCli([
      'fill-mask',
      '--run',
      mlm,
      'the cat sat on the [MASK].',
      '--top-k',
      '3',
      '--backend',
      'cpu',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.masks).toHaveLength(1);
    expect(j.masks[0]).toHaveLength(3);
    const scores = j.masks[0].map((p: { score: number }) => p.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    for (const p of j.masks[0]) expect(p.sequence).toContain(p.token.replace(/^##/, ''));
    const text = runCli(['fill-mask', '--run', mlm, 'the [MASK] sat on the [MASK].', '--backend', 'cpu']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^\[MASK\] 1:\n {2}1\. /);
    expect(text.stdout).toContain('[MASK] 2:');
  });

  it('refuses text without [MASK], a causal LM run, and sample on a masked LM run', () => {
    const none = runCli(['fill-mask', '--run', mlm, 'no mask here']);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe("selfsup: the text has no [MASK]: 'no mask here'\n");
    const wrong = runCli(['fill-mask', '--run', clm, 'the [MASK] sat', '--backend', 'cpu']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/is a causal LM \(clm\): fill-mask needs a masked LM run/);
    const sample = runCli(['sample', '--run', mlm, '--backend', 'cpu']);
    expect(sample.code).toBe(2);
    expect(sample.stderr).toMatch(/is a masked LM \(mlm\): sample needs a causal LM run/);
  });
});
