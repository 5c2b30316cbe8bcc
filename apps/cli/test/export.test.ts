import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensors } from '@selfsup/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliBuilt, MICRO, runCli } from './run-cli.js';

let root = '';
let run = '';

describe.runIf(cliBuilt())('selfsup export', () => {
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'selfsup-cli-export-'));
    writeFileSync(join(root, 'c.txt'), 'hello export world.\n'.repeat(100));
    run = join(root, 'run');
    expect(runCli(['train', '--out', run, '--data', join(root, 'c.txt'), ...MICRO, '--max-iters', '3']).code).toBe(0);
  });

  it('writes a Hugging Face GPT-2 folder that loads back and samples like the run', () => {
    const out = join(root, 'hf');
    const r = runCli(['export', '--run', run, '--out', out, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ out, modelType: 'gpt2', step: 3 });
    expect(readdirSync(out).sort()).toEqual([
      'config.json',
      'model.safetensors',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      model_type: 'gpt2',
      n_embd: 16,
      n_layer: 1,
      n_head: 2,
      n_positions: 16,
      activation_function: 'gelu_new',
    });
    const names = [...readSafetensors(join(out, 'model.safetensors')).tensors.keys()];
    expect(names).toContain('transformer.wte.weight');
    expect(names).toContain('transformer.h.0.attn.c_attn.weight');
    expect(names).toContain('transformer.ln_f.bias');
    expect(JSON.parse(readFileSync(join(out, 'tokenizer_config.json'), 'utf8')).tokenizer_class).toBe(
      'PreTrainedTokenizerFast',
    );
    // The export is itself a folder the CLI reads: the same weights sample the same text.
    const args = ['--prompt', 'hel', '--max-new-tokens', '10', '--seed', '3', '--backend', 'cpu'];
    expect(runCli(['sample', '--run', out, ...args]).stdout).toBe(runCli(['sample', '--run', run, ...args]).stdout);
    expect(runCli(['export', '--run', run, '--out', out]).code).toBe(0); // an earlier export may be replaced
  });

  it('refuses to overwrite a folder that is not an export, and a run without a checkpoint', () => {
    const busy = join(root, 'busy');
    mkdirSync(busy);
    writeFileSync(join(busy, 'notes.txt'), 'keep me');
    const r = runCli(['export', '--run', run, '--out', busy]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not an earlier export/);
    expect(readdirSync(busy)).toEqual(['notes.txt']);
    const empty = join(root, 'empty');
    mkdirSync(empty);
    const none = runCli(['export', '--run', empty, '--out', join(root, 'x')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no checkpoint yet/);
  });
});
