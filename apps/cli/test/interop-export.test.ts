/**
 * `selfsup export --for pytorch` and `selfsup import` without PyTorch: what the export folder holds, that
 * train_config.json carries the run's options and data position unchanged, and import's checks and exit codes.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '@selfsup/trainer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliBuilt, MICRO, runCli } from './run-cli.js';

let root = '';
let run = '';

describe.runIf(cliBuilt())('selfsup export --for pytorch / selfsup import', () => {
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'selfsup-cli-interop-'));
    writeFileSync(join(root, 'c.txt'), 'to be or not to be, that is the question.\n'.repeat(120));
    run = join(root, 'run');
    const r = runCli(['train', '--out', run, '--data', join(root, 'c.txt'), ...MICRO, '--max-iters', '4']);
    expect(r.code).toBe(0);
  });

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('writes the run, its data, its optimizer state and its options for train_ddp.py', () => {
    const out = join(root, 'pt');
    const r = runCli(['export', '--run', run, '--out', out, '--for', 'pytorch', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ out, modelType: 'gpt2', step: 4 });
    expect(readdirSync(out)).toHaveLength(11);
    const state = JSON.parse(readFileSync(join(run, 'trainer_state.json'), 'utf8'));
    const config = JSON.parse(readFileSync(join(out, 'train_config.json'), 'utf8'));
    // The options round-trip through the snake-case names (what `selfsup import` reads back).
    expect(parseConfig(config.options, 'train_config.json').options).toEqual(state.options);
    expect(config.start).toMatchObject({ step: 4, data_state: state.data, tokens_seen: state.tokensSeen });
    expect(config.data).toMatchObject({
      train: 'train.bin',
      val: 'val.bin',
      vocab_size: expect.any(Number),
      mlm: null,
    });
    expect(readFileSync(join(out, 'train.bin'))).toEqual(readFileSync(join(run, 'data', 'train.bin')));
    expect(readFileSync(join(out, 'optimizer.safetensors'))).toEqual(readFileSync(join(run, 'optimizer.safetensors')));
    const steps = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).step);
    expect(Math.max(...steps)).toBe(4);
    // An earlier export may be replaced; a folder with other files may not.
    expect(runCli(['export', '--run', run, '--out', out, '--for', 'pytorch']).code).toBe(0);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const busy = runCli(['export', '--run', run, '--out', out, '--for', 'pytorch']);
    expect(busy.code).toBe(2);
    expect(busy.stderr).toMatch(/not an earlier export/);
    expect(runCli(['export', '--run', run, '--out', join(root, 'x'), '--for', 'tensorflow']).code).toBe(2);
  });

  it('imports a Hugging Face folder as a run that samples and evaluates like the original', () => {
    const hf = join(root, 'hf');
    expect(runCli(['export', '--run', run, '--out', hf]).code).toBe(0);
    const back = join(root, 'back');
    const r = runCli(['import', '--from', hf, '--out', back, '--json', '--backend', 'cpu']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ modelType: 'gpt2', step: null, resumable: false, finalEval: null });
    expect(readdirSync(back).sort()).toEqual(['checkpoint.json', 'config.json', 'model.safetensors', 'tokenizer.json']);
    const args = ['--prompt', 'to be', '--max-new-tokens', '12', '--seed', '5', '--backend', 'cpu'];
    expect(runCli(['sample', '--run', back, ...args]).stdout).toBe(runCli(['sample', '--run', run, ...args]).stdout);
    const noData = runCli(['eval', '--run', back, '--backend', 'cpu']);
    expect(noData.code).toBe(2);
    expect(noData.stderr).toMatch(/--data is required/);
    const loss = (dir: string) =>
      JSON.parse(
        runCli(['eval', '--run', dir, '--data', join(run, 'data'), '--batch-size', '4', '--json', '--backend', 'cpu'])
          .stdout,
      ).loss;
    expect(loss(back)).toBe(loss(run));
    const resume = runCli(['train', '--out', back, '--resume', '--backend', 'cpu']);
    expect(resume.code).toBe(2);
  });

  it('checks the folder before writing anything, with exit 2 and one line', () => {
    const hf = join(root, 'hf');
    const cases: [string[], RegExp][] = [
      [['--from', join(root, 'nothing'), '--out', join(root, 'n1')], /--from .*nothing: not found/],
      [['--from', join(root, 'c.txt'), '--out', join(root, 'n2')], /is a file, expected a folder/],
      [['--from', hf], /--out is required/],
    ];
    const empty = join(root, 'empty');
    mkdirSync(empty);
    cases.push([
      ['--from', empty, '--out', join(root, 'n3')],
      /missing model\.safetensors, config\.json, tokenizer\.json/,
    ]);
    const wrong = join(root, 'wrong');
    mkdirSync(wrong);
    for (const f of ['model.safetensors', 'tokenizer.json']) writeFileSync(join(wrong, f), readFileSync(join(hf, f)));
    const config = JSON.parse(readFileSync(join(hf, 'config.json'), 'utf8'));
    writeFileSync(join(wrong, 'config.json'), JSON.stringify({ ...config, n_embd: 32 }));
    cases.push([
      ['--from', wrong, '--out', join(root, 'n4')],
      /tensor "transformer\.wte\.weight" has shape \[\d+, 16\]/,
    ]);
    const busy = join(root, 'busy');
    mkdirSync(busy);
    writeFileSync(join(busy, 'keep.txt'), 'x');
    cases.push([['--from', hf, '--out', busy], /not empty/]);
    cases.push([['--from', hf, '--out', run], /already holds a run/]);
    for (const [args, message] of cases) {
      const r = runCli(['import', ...args, '--backend', 'cpu']);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    for (const n of ['n1', 'n2', 'n3', 'n4']) expect(readdirSync(root)).not.toContain(n);
    expect(readdirSync(busy)).toEqual(['keep.txt']);
  });
});
