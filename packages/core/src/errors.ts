/**
 * Typed errors with a user-facing message.
 *
 * `kind` decides how the CLI exits: `usage` and `input` are the user's mistakes (exit 2, one line, no stack trace);
 * `runtime` is a failure while doing valid work, such as a full disk or a non-finite loss (exit 1).
 */
export type ErrorKind = 'usage' | 'input' | 'runtime';

const BRAND = Symbol.for('selfsup.SelfsupError');

export class SelfsupError extends Error {
  override readonly name = 'SelfsupError';
  readonly kind: ErrorKind;

  constructor(message: string, options: { kind?: ErrorKind; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = options.kind ?? 'input';
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** The process exit code the CLI uses for this error (DESIGN.md §4). */
  get exitCode(): 1 | 2 {
    return this.kind === 'runtime' ? 1 : 2;
  }

  /**
   * True for any SelfsupError, also one made by another copy of this package (ESM and CJS builds side by side).
   * Subclasses inherit this method, so for them it falls back to the prototype chain: `x instanceof NonFiniteError`
   * must not hold for every SelfsupError.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class `instanceof` asked about (maybe a subclass)
    if (this !== SelfsupError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

export function usageError(message: string): SelfsupError {
  return new SelfsupError(message, { kind: 'usage' });
}

export function inputError(message: string, cause?: unknown): SelfsupError {
  return new SelfsupError(message, { kind: 'input', cause });
}

export function runtimeError(message: string, cause?: unknown): SelfsupError {
  return new SelfsupError(message, { kind: 'runtime', cause });
}

/** Turns a Node file-system error into the words a user needs ("not found", "is a directory", ...). */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'not found';
    case 'EISDIR':
      return 'is a directory, expected a file';
    case 'ENOTDIR':
      return 'a path component is not a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on device';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'EMFILE':
      return 'too many open files';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

/** True when a file-system error is the user's doing (a bad path) rather than the machine's (a full disk). */
export function isInputFsError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR';
}
