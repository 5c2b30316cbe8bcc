import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliBuilt, MICRO, runCli } from './run-cli.js';

let run = '';

describe.runIf(cliBuilt())('selfsup sample', () => {
  beforeAll(() => {
    const root = mkdtempSync(join(tmpdir(), 'selfsup-cli-sample-'));
    writeFileSync(join(root, 'c.txt'), 'abcabd abcabd abcabe.\n'.repeat(200));
    run = join(root, 'run');
    const r = runCli([
      'train',
      '--out',
      run,
      '--data',
      join(root, 'c.txt'),
      ...MICRO,
      '--max-iters',
      '30',
      '--lr',
      '0.01',
      '--warmup-iters',
      '0',
    ]);
    expect(r.code).toBe(0);
  });

  it('streams a continuation of the prompt, the same for the same seed', () => {
    const args = [
      'sample',
      '--run',
      run,
      '--prompt',
      'abc',
      '--max-new-tokens',
      '24',
      '--seed',
      '7',
      '--backend',
      'cpu',
    ];
    const a = runCli(args);
    expect(a.code).toBe(0);
    expect(a.stdout.startsWith('abc')).toBe(true);
    expect(a.stdout.length).toBe('abc'.length + 24 + 1); // char tokens + the final newline
    expect(runCli(args).stdout).toBe(a.stdout);
    expect(runCli([...args.slice(0, -4), '--seed', '8', '--backend', 'cpu']).stdout).not.toBe(a.stdout);
  });

  it('prints JSON with --json; --temperature 0 is greedy, so the seed does not matter', () => {
    const greedy = (seed: string) =>
      runCli([
        'sample',
        '--run',
        run,
        '--prompt',
        'abcab',
        '--max-new-tokens',
        '8',
        '--temperature',
        '0',
        '--seed',
        seed,
        '--backend',
        'cpu',
        '--json',
      ]);
    const r = greedy('1');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ run, step: 30, prompt: 'abcab', maxNewTokens: 8 });
    expect(j.text.startsWith('abcab')).toBe(true);
    expect(j.text).toHaveLength(13);
    expect(JSON.parse(greedy('2').stdout).text).toBe(j.text);
  });

  it('refuses a missing run and an argument without --prompt', () => {
    const none = runCli(['sample', '--run', join(run, 'nope'), '--backend', 'cpu']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--run .*nope: not found/);
    const stray = runCli(['sample', '--run', run, 'hello']);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toMatch(/give the prompt with --prompt/);
  });
});
