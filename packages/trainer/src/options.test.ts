import { SelfsupError } from '@selfsup/core';
import { describe, expect, it } from 'vitest';
import { OPTION_SPECS, parseConfig, resolveOptions, resumeConflicts } from './options.js';
import { DEFAULT_OPTIONS, PRESETS } from './presets.js';

function usage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SelfsupError);
    expect((err as SelfsupError).exitCode).toBe(2);
    return (err as Error).message;
  }
  throw new Error('expected a usage error');
}

describe('resolveOptions', () => {
  it('layers defaults < preset < config < flags', () => {
    const r = resolveOptions({
      preset: 'shakespeare-char',
      config: { n_layer: 3, learning_rate: 5e-4, 'eval-iters': 7 },
      flags: { nLayer: 2 },
    });
    expect(r.preset).toBe('shakespeare-char');
    expect(r.options.nLayer).toBe(2);
    expect(r.options.lr).toBe(5e-4);
    expect(r.options.evalIters).toBe(7);
    expect(r.options.nEmbd).toBe(384);
    expect(r.options.eps).toBe(DEFAULT_OPTIONS.eps);
    expect([...r.explicit].sort()).toEqual(['evalIters', 'lr', 'nLayer']);
  });

  it('picks nanogpt-cpu for clm and bert-tiny for mlm when no preset is named', () => {
    expect(resolveOptions().options).toMatchObject({ ...PRESETS['nanogpt-cpu'].options });
    const mlm = resolveOptions({ flags: { objective: 'mlm' } });
    expect(mlm.preset).toBe('bert-tiny');
    expect(mlm.options.tokenizer).toBe('wordpiece:8000');
    expect(resolveOptions({ preset: 'nanogpt-cpu', flags: { objective: 'mlm' } }).options.tokenizer).toBe(
      'wordpiece:8000',
    );
    expect(resolveOptions({ config: { preset: 'bert-tiny' } }).preset).toBe('bert-tiny');
  });

  it('lets the decay follow --max-iters unless --lr-decay-iters is given', () => {
    expect(resolveOptions({ flags: { maxIters: 300 } }).options.lrDecayIters).toBe(300);
    expect(resolveOptions({ flags: { maxIters: 300, lrDecayIters: 250 } }).options.lrDecayIters).toBe(250);
    expect(resolveOptions().options.lrDecayIters).toBe(2000);
  });

  it('refuses bad input with one line naming the flag or the file', () => {
    expect(usage(() => resolveOptions({ preset: 'gpt-99' }))).toBe(
      "unknown preset 'gpt-99' (expected one of nanogpt-cpu, shakespeare-char, bert-tiny)",
    );
    expect(usage(() => resolveOptions({ flags: { nEmbd: 100, nHead: 3 } }))).toBe(
      '--n-embd 100 is not divisible by --n-head 3',
    );
    expect(usage(() => resolveOptions({ flags: { lr: -1 } }))).toBe('--lr: expected a value ≥ 0, got -1');
    expect(usage(() => resolveOptions({ flags: { beta2: 1 } }))).toBe('--beta2: expected a value < 1, got 1');
    expect(usage(() => resolveOptions({ config: { n_layers: 3 }, configPath: 'c.json' }))).toBe(
      'c.json: unknown option "n_layers"',
    );
    expect(usage(() => resolveOptions({ config: { lr: '1e-3' }, configPath: 'c.json' }))).toBe(
      'c.json: "lr": expected a number, got "1e-3"',
    );
    expect(usage(() => resolveOptions({ config: [1], configPath: 'c.json' }))).toBe(
      'c.json: expected a JSON object of options',
    );
    expect(usage(() => resolveOptions({ flags: { tokenizer: 'words' } }))).toMatch(/^--tokenizer: expected char/);
    expect(usage(() => resolveOptions({ flags: { objective: 'mlm', blockSize: 2 } }))).toMatch(/too small for mlm/);
  });

  it('accepts every option under its camelCase, kebab and snake names in a config file', () => {
    for (const [name, spec] of Object.entries(OPTION_SPECS)) {
      const value = (DEFAULT_OPTIONS as unknown as Record<string, unknown>)[name];
      for (const key of [name, spec.flag, spec.flag.replaceAll('-', '_')]) {
        expect(parseConfig({ [key]: value }, 'c.json').options).toEqual({ [name]: value });
      }
    }
  });
});

describe('resumeConflicts', () => {
  it('allows the resumable options to change and names every other difference', () => {
    const saved = resolveOptions().options;
    expect(resumeConflicts(saved, { maxIters: 5000, evalInterval: 100, logInterval: 1 })).toEqual([]);
    expect(resumeConflicts(saved, { lr: 2e-3, nLayer: 4 })).toEqual(['--lr 0.002 (the run has 0.001)']);
  });
});
