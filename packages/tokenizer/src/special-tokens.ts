/**
 * Special tokens in text (`<|endoftext|>`, `[MASK]`): finding them (leftmost, then longest, as Hugging Face's
 * added-token matcher does) and the `allowedSpecial` / `disallowedSpecial` policy of tiktoken:
 * - a special token found in the text and allowed is encoded as its special id;
 * - one that is disallowed (by default every special token that is not allowed) makes `encode` throw;
 * - one that is neither is encoded as ordinary text.
 */
import { inputError, usageError } from '@selfsup/core';

/** Which special tokens a policy names: all of them, none, or the listed strings. */
export type SpecialTokenPolicy = 'all' | 'none' | Iterable<string>;

export interface SpecialTokenOptions {
  /** Special-token strings in the text that are encoded as their special ids (tiktoken's `allowed_special`). */
  allowedSpecial?: SpecialTokenPolicy;
  /**
   * Special-token strings that make `encode` throw when found in the text and not allowed (default `'all'`:
   * every special token that is not allowed). `'none'` encodes them as ordinary text.
   */
  disallowedSpecial?: SpecialTokenPolicy;
}

export interface ResolvedPolicy {
  allowed: ReadonlySet<string>;
  disallowed: ReadonlySet<string>;
}

function escapeRegex(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

export class SpecialTokenMatcher {
  readonly tokens: readonly string[];
  private readonly regex: RegExp | undefined;

  constructor(tokens: Iterable<string>) {
    this.tokens = [...new Set(tokens)].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
    this.regex = this.tokens.length > 0 ? new RegExp(this.tokens.map(escapeRegex).join('|'), 'g') : undefined;
  }

  get size(): number {
    return this.tokens.length;
  }

  /** The leftmost (then longest) special token in `text` at or after `from`. */
  find(text: string, from: number): { index: number; token: string } | undefined {
    if (!this.regex) return undefined;
    this.regex.lastIndex = from;
    const m = this.regex.exec(text);
    return m ? { index: m.index, token: m[0] } : undefined;
  }

  /**
   * Where a special token may begin that the end of `text` cuts short: the smallest `q >= from` such that
   * `text.slice(q)` is a proper prefix of a special token, or `text.length` when there is none.
   */
  partialStart(text: string, from: number): number {
    let best = text.length;
    for (const token of this.tokens) {
      const first = Math.max(from, text.length - token.length + 1);
      for (let q = first; q < best; q++) {
        if (token.startsWith(text.slice(q))) {
          best = q;
          break;
        }
      }
    }
    return best;
  }

  resolve(options: SpecialTokenOptions, defaultAllowed: 'all' | 'none'): ResolvedPolicy {
    const allowed = this.names(options.allowedSpecial ?? defaultAllowed, 'allowedSpecial');
    const disallowedOption = options.disallowedSpecial ?? 'all';
    const disallowed =
      disallowedOption === 'all'
        ? new Set(this.tokens.filter((t) => !allowed.has(t)))
        : this.names(disallowedOption, 'disallowedSpecial');
    return { allowed, disallowed };
  }

  private names(policy: SpecialTokenPolicy, what: string): Set<string> {
    if (policy === 'all') return new Set(this.tokens);
    if (policy === 'none') return new Set();
    if (typeof policy === 'string')
      throw usageError(`${what}: expected 'all', 'none' or a list of special tokens, got '${policy}'`);
    const out = new Set<string>();
    for (const name of policy) {
      if (!this.tokens.includes(name)) {
        const known = this.tokens.length ? this.tokens.join(', ') : 'none';
        throw usageError(`${what}: '${name}' is not a special token of this tokenizer (it has: ${known})`);
      }
      out.add(name);
    }
    return out;
  }
}

export function disallowedSpecialError(token: string, index: number) {
  return inputError(
    `the text contains the special token '${token}' at offset ${index}; allow it to encode it as a special token (allowedSpecial: 'all', CLI --allowed-special all) or pass disallowedSpecial: 'none' (CLI --disallowed-special none) to encode it as ordinary text`,
  );
}
