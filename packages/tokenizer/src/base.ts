/**
 * What every tokenizer shares (minbpe's `base.py`): the two BPE primitives, `getStats` and `merge`, and the base
 * `Tokenizer` class with the vocabulary, special tokens, `encode` (special-token policy, then the kind's own
 * encoder on the ordinary text between special tokens), streaming, and saving. Each kind (`CharTokenizer`,
 * `BpeTokenizer`, `WordPieceTokenizer`) only adds how it encodes ordinary text, decodes, and writes its
 * `tokenizer.json`.
 */
import { inputError, writeFileAtomicSync } from '@selfsup/core';
import { IdBuffer, toUint16 } from './id-buffer.js';
import {
  disallowedSpecialError,
  type ResolvedPolicy,
  SpecialTokenMatcher,
  type SpecialTokenOptions,
} from './special-tokens.js';
import type { TokenizerJson } from './tokenizer-json.js';

// ---- the two primitives -------------------------------------------------------------------------------------

/** Ids below this bound can be packed in a pair key (`a * PAIR_BASE + b` stays an exact double). */
export const PAIR_BASE = 2 ** 24;

export function pairKey(a: number, b: number): number {
  return a * PAIR_BASE + b;
}

export function unpairKey(key: number): [number, number] {
  const a = Math.floor(key / PAIR_BASE);
  return [a, key - a * PAIR_BASE];
}

/** Counts of adjacent pairs in `ids`, each counted `weight` times, added to `counts` (minbpe's `get_stats`). */
export function getStats(
  ids: ArrayLike<number>,
  counts: Map<number, number> = new Map(),
  weight = 1,
): Map<number, number> {
  for (let i = 0; i + 1 < ids.length; i++) {
    const key = pairKey(ids[i], ids[i + 1]);
    counts.set(key, (counts.get(key) ?? 0) + weight);
  }
  return counts;
}

/** Replaces each occurrence of the pair `(a, b)`, left to right and not overlapping, with `newId` (minbpe's `merge`). */
export function merge(ids: ArrayLike<number>, a: number, b: number, newId: number): Int32Array {
  const out = new Int32Array(ids.length);
  let n = 0;
  for (let i = 0; i < ids.length; i++) {
    if (i + 1 < ids.length && ids[i] === a && ids[i + 1] === b) {
      out[n++] = newId;
      i++;
    } else out[n++] = ids[i];
  }
  return out.slice(0, n);
}

// ---- the base tokenizer -------------------------------------------------------------------------------------

export type TokenizerKind = 'char' | 'bpe' | 'wordpiece';

export type EncodeOptions = SpecialTokenOptions;

export interface DecodeOptions {
  /** Leave special tokens out of the text (default false: `<|endoftext|>` decodes to its string). */
  skipSpecialTokens?: boolean;
}

export interface StreamOptions extends SpecialTokenOptions {
  /** `'uint16'` yields `Uint16Array`s (only when every id fits, i.e. vocabSize <= 65,536). Default `'int32'`. */
  dtype?: 'int32' | 'uint16';
}

export abstract class Tokenizer {
  abstract readonly kind: TokenizerKind;
  /** Special token string → id. */
  readonly specialTokens: Readonly<Record<string, number>>;
  /** Token string (as written in `tokenizer.json`) for each id. */
  protected readonly vocab: readonly string[];
  protected readonly vocabIndex: ReadonlyMap<string, number>;
  protected readonly specialMatcher: SpecialTokenMatcher;
  private readonly specialIds: Set<number>;
  /** What `encode` does with special-token strings in the text unless told otherwise. */
  protected readonly defaultAllowedSpecial: 'all' | 'none' = 'none';

  protected constructor(vocab: readonly string[], specialTokens: Record<string, number>) {
    this.vocab = vocab;
    const index = new Map<string, number>();
    vocab.forEach((token, id) => {
      if (!index.has(token)) index.set(token, id);
    });
    this.vocabIndex = index;
    this.specialTokens = Object.freeze({ ...specialTokens });
    this.specialIds = new Set(Object.values(specialTokens));
    this.specialMatcher = new SpecialTokenMatcher(Object.keys(specialTokens));
  }

  /** Number of ids, special tokens included. */
  get vocabSize(): number {
    return this.vocab.length;
  }

  /** Id of `<|endoftext|>` when this tokenizer has it. */
  get endOfTextId(): number | undefined {
    return this.specialTokens['<|endoftext|>'];
  }

  tokenToId(token: string): number | undefined {
    return this.vocabIndex.get(token);
  }

  idToToken(id: number): string | undefined {
    return Number.isInteger(id) && id >= 0 && id < this.vocab.length ? this.vocab[id] : undefined;
  }

  isSpecialId(id: number): boolean {
    return this.specialIds.has(id);
  }

  /** True for a token that continues the word before it (WordPiece's `##` pieces); false for other kinds. */
  isContinuation(_id: number): boolean {
    return false;
  }

  /** Text → ids. Special-token strings in the text follow `allowedSpecial` / `disallowedSpecial` (tiktoken's rules). */
  encode(text: string, options: EncodeOptions = {}): Int32Array {
    const out = new IdBuffer(this.expectedIds(text.length));
    this.encodeText(text, this.resolvePolicy(options), out, true);
    return out.toInt32Array();
  }

  /** Text → ids with no special-token handling at all (tiktoken's `encode_ordinary`). */
  encodeOrdinary(text: string): Int32Array {
    const out = new IdBuffer(this.expectedIds(text.length));
    this.encodeOrdinaryInto(text, 0, text.length, out, true);
    return out.toInt32Array();
  }

  abstract decode(ids: ArrayLike<number>, options?: DecodeOptions): string;

  /** The Hugging Face `tokenizer.json` object. */
  abstract toJSON(): TokenizerJson;

  /** Writes `tokenizer.json` atomically. */
  save(path: string): void {
    writeFileAtomicSync(path, `${JSON.stringify(this.toJSON(), null, 2)}\n`);
  }

  /**
   * Encodes text that arrives in pieces. Each piece yields the ids that are final so far; a few characters at the
   * end of a piece (an unfinished word, a possible special token) wait for the next one, so the concatenated ids
   * equal `encode` of the whole text, however it was cut.
   */
  encodeChunks(chunks: Iterable<string>, options?: StreamOptions & { dtype?: 'int32' }): Generator<Int32Array>;
  encodeChunks(chunks: Iterable<string>, options: StreamOptions & { dtype: 'uint16' }): Generator<Uint16Array>;
  *encodeChunks(chunks: Iterable<string>, options: StreamOptions = {}): Generator<Int32Array | Uint16Array> {
    const stream = this.startStream(options);
    for (const chunk of chunks) yield stream.push(chunk);
    yield stream.end();
  }

  /** `encodeChunks` for an async source of strings or UTF-8 bytes (a file or network stream). */
  async *encodeStream(
    chunks: AsyncIterable<string | Uint8Array>,
    options: StreamOptions = {},
  ): AsyncGenerator<Int32Array | Uint16Array> {
    const stream = this.startStream(options);
    const decoder = new TextDecoder('utf-8', { fatal: true });
    for await (const chunk of chunks)
      yield stream.push(typeof chunk === 'string' ? chunk : decodeChunk(decoder, chunk, true));
    yield stream.push(decodeChunk(decoder, new Uint8Array(0), false));
    yield stream.end();
  }

  /** A push-style encoder: `push(text)` returns the ids that are final so far, `end()` the rest. */
  startStream(options: StreamOptions = {}): {
    push(text: string): Int32Array | Uint16Array;
    end(): Int32Array | Uint16Array;
  } {
    const policy = this.resolvePolicy(options);
    const uint16 = options.dtype === 'uint16';
    if (uint16 && this.vocabSize > 65536) {
      throw inputError(`dtype 'uint16' needs a vocabulary of at most 65,536 ids; this one has ${this.vocabSize}`);
    }
    const out = new IdBuffer(4096);
    let carry = '';
    const emit = () => (uint16 ? toUint16(out.take()) : out.take());
    return {
      push: (text: string) => {
        const joined = carry + text;
        const done = this.encodeText(joined, policy, out, false);
        carry = joined.slice(done);
        return emit();
      },
      end: () => {
        this.encodeText(carry, policy, out, true);
        carry = '';
        return emit();
      },
    };
  }

  // ---- for subclasses ---------------------------------------------------------------------------------------

  /**
   * Encodes ordinary text `text[start, end)` (no special tokens) into `out`. When `final` is false more text may
   * follow `end`: encode only what cannot change (stop before an unfinished word) and return where you stopped.
   */
  protected abstract encodeOrdinaryInto(
    text: string,
    start: number,
    end: number,
    out: IdBuffer,
    final: boolean,
  ): number;

  /** A first guess of how many ids `chars` characters make (sizes the output buffer; it grows if short). */
  protected expectedIds(chars: number): number {
    return Math.min(1 << 22, Math.ceil(chars / 3) + 16);
  }

  protected resolvePolicy(options: SpecialTokenOptions): ResolvedPolicy {
    return this.specialMatcher.resolve(options, this.defaultAllowedSpecial);
  }

  /** Special tokens by policy, ordinary text in between; returns how much of `text` was encoded. */
  protected encodeText(text: string, policy: ResolvedPolicy, out: IdBuffer, final: boolean): number {
    let pos = 0;
    if (this.specialMatcher.size > 0 && (policy.allowed.size > 0 || policy.disallowed.size > 0)) {
      let from = 0;
      for (let m = this.specialMatcher.find(text, 0); m; m = this.specialMatcher.find(text, from)) {
        if (policy.allowed.has(m.token)) {
          this.encodeOrdinaryInto(text, pos, m.index, out, true);
          out.push(this.specialTokens[m.token]);
          pos = from = m.index + m.token.length;
        } else if (policy.disallowed.has(m.token)) {
          throw disallowedSpecialError(m.token, m.index);
        } else from = m.index + 1;
      }
    }
    if (final) {
      this.encodeOrdinaryInto(text, pos, text.length, out, true);
      return text.length;
    }
    const hold = this.specialMatcher.partialStart(text, pos);
    return this.encodeOrdinaryInto(text, pos, hold, out, false);
  }

  /** Throws unless every id is an integer in range; used by `decode`. */
  protected checkIds(ids: ArrayLike<number>): void {
    const n = this.vocab.length;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!(Number.isInteger(id) && id >= 0 && id < n)) {
        throw inputError(`token id ${id} at position ${i} is not in this tokenizer's vocabulary (ids 0..${n - 1})`);
      }
    }
  }
}

function decodeChunk(decoder: InstanceType<typeof TextDecoder>, bytes: Uint8Array, stream: boolean): string {
  try {
    return decoder.decode(bytes, { stream });
  } catch (err) {
    throw inputError('the input is not valid UTF-8', err);
  }
}
