import { SelfsupError } from '@selfsup/core';
import { describe, expect, it } from 'vitest';
import { camel, type FlagSpecs, formatFlagHelp, parseFlags } from './args.js';

const specs: FlagSpecs = {
  'n-layer': { type: 'int', min: 1, description: 'layers' },
  lr: { type: 'number', min: 0, exclusiveMin: true, description: 'learning rate' },
  objective: { type: 'string', choices: ['clm', 'mlm'], description: 'objective' },
  data: { type: 'string', multiple: true, description: 'data' },
  resume: { type: 'boolean', description: 'resume' },
};

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SelfsupError);
    expect((err as SelfsupError).exitCode).toBe(2);
    return (err as Error).message;
  }
  throw new Error('expected a usage error');
}

describe('parseFlags', () => {
  it('converts types and camel-cases names', () => {
    const r = parseFlags(
      ['--n-layer', '4', '--lr=1e-3', '--objective', 'mlm', '--data', 'a', '--data', 'b', '--resume', 'pos'],
      specs,
      'train',
    );
    expect(r.flags).toEqual({ nLayer: 4, lr: 0.001, objective: 'mlm', data: ['a', 'b'], resume: true });
    expect(r.positionals).toEqual(['pos']);
    expect([...r.given].sort()).toEqual(['data', 'lr', 'nLayer', 'objective', 'resume']);
    expect(camel('max-new-tokens')).toBe('maxNewTokens');
  });

  it('names the flag and what it expected', () => {
    expect(usageMessage(() => parseFlags(['--lr', 'abc'], specs, 'train'))).toBe("--lr: expected a number, got 'abc'");
    expect(usageMessage(() => parseFlags(['--lr', '-1'], specs, 'train'))).toBe('--lr: expected a value > 0, got -1');
    expect(usageMessage(() => parseFlags(['--n-layer', '2.5'], specs, 'train'))).toBe(
      '--n-layer: expected an integer, got 2.5',
    );
    expect(usageMessage(() => parseFlags(['--n-layer', '0'], specs, 'train'))).toBe(
      '--n-layer: expected a value ≥ 1, got 0',
    );
    expect(usageMessage(() => parseFlags(['--objective', 'xyz'], specs, 'train'))).toBe(
      "--objective: expected one of clm, mlm, got 'xyz'",
    );
    expect(usageMessage(() => parseFlags(['--bogus'], specs, 'train'))).toBe(
      'unknown flag --bogus for `selfsup train` (see `selfsup train --help`)',
    );
    expect(usageMessage(() => parseFlags(['--lr'], specs, 'train'))).toBe('--lr needs a value');
  });

  it('lists every flag in help', () => {
    const help = formatFlagHelp(specs);
    for (const name of ['--n-layer', '--lr', '--objective clm|mlm', '--resume', '--json', '--help'])
      expect(help).toContain(name);
  });
});
