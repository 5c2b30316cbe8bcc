import { describe, expect, it } from 'vitest';
import { describeFsError, inputError, runtimeError, SelfsupError, usageError } from './errors.js';

describe('SelfsupError', () => {
  it('maps kinds to the CLI exit codes of DESIGN.md', () => {
    expect(usageError('x').exitCode).toBe(2);
    expect(inputError('x').exitCode).toBe(2);
    expect(runtimeError('x').exitCode).toBe(1);
    expect(new SelfsupError('x').kind).toBe('input');
  });

  it('is recognised across copies of the class by its brand', () => {
    const foreign = Object.create(Error.prototype);
    Object.defineProperty(foreign, Symbol.for('selfsup.SelfsupError'), { value: true });
    expect(foreign instanceof SelfsupError).toBe(true);
    expect(new Error('plain') instanceof SelfsupError).toBe(false);
    expect(inputError('a') instanceof Error).toBe(true);
  });

  it('a subclass matches only its own instances', () => {
    class Narrow extends SelfsupError {}
    expect(new Narrow('x') instanceof Narrow).toBe(true);
    expect(new Narrow('x') instanceof SelfsupError).toBe(true);
    expect(runtimeError('x') instanceof Narrow).toBe(false);
    expect(new Error('plain') instanceof Narrow).toBe(false);
  });

  it('describes file-system errors in plain words', () => {
    expect(describeFsError(Object.assign(new Error('x'), { code: 'ENOENT' }))).toBe('not found');
    expect(describeFsError(Object.assign(new Error('x'), { code: 'ENOSPC' }))).toBe('no space left on device');
  });
});
