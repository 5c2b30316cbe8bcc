/**
 * Character-level tokenizer (nanoGPT's scheme): the vocabulary is the sorted set of characters (code points) of
 * the training text — tiny Shakespeare gives 65 — plus optional special tokens after them. A lone surrogate
 * counts as U+FFFD. Encoding a character that is not in the vocabulary is an error unless an `unkToken` is set.
 *
 * In `tokenizer.json` it is a Hugging Face `WordLevel` model behind a `Split` pre-tokenizer that isolates every
 * character, with a `Fuse` decoder.
 */
import { inputError } from '@selfsup/core';
import { type DecodeOptions, Tokenizer } from './base.js';
import type { IdBuffer } from './id-buffer.js';
import { specialAddedTokens, type TokenizerJson, vocabObject } from './tokenizer-json.js';
import { checkSpecialTokens, type TrainingTexts, textsOf } from './training.js';

export interface CharTokenizerConfig {
  /** Token for each id: single characters, and the special tokens at their ids. */
  vocab: readonly string[];
  specialTokens?: Record<string, number>;
  /** A token (in `vocab`) that stands for characters not in the vocabulary; without one they are an error. */
  unkToken?: string;
}

export interface TrainCharOptions {
  /** Special tokens, given ids after the characters (default none). */
  specialTokens?: readonly string[];
  unkToken?: string;
}

/** Matches one character of a `Split` pre-tokenizer pattern: any code point, newlines included. */
export const CHAR_SPLIT_REGEX = '[\\s\\S]';

const REPLACEMENT = 0xfffd;

/** Code point at `i` of `text` cut at `end`; a lone surrogate reads as U+FFFD. */
function codePointAt(text: string, i: number, end = text.length): number {
  const c = text.charCodeAt(i);
  if (c < 0xd800 || c > 0xdfff) return c;
  if (c <= 0xdbff && i + 1 < end) {
    const d = text.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
  }
  return REPLACEMENT;
}

export class CharTokenizer extends Tokenizer {
  readonly kind = 'char' as const;
  readonly unkToken: string | undefined;
  private readonly unkId: number;
  private readonly bmp = new Int32Array(65536).fill(-1);
  private readonly astral = new Map<number, number>();

  constructor(config: CharTokenizerConfig) {
    super(config.vocab, config.specialTokens ?? {});
    const specialIds = new Set(Object.values(this.specialTokens));
    config.vocab.forEach((token, id) => {
      if (specialIds.has(id)) return;
      const cp = token.codePointAt(0);
      if (cp === undefined || String.fromCodePoint(cp) !== token)
        throw inputError(`char tokenizer: token ${id} '${token}' is not a single character`);
      if (cp < 65536) this.bmp[cp] = id;
      else this.astral.set(cp, id);
    });
    this.unkToken = config.unkToken;
    this.unkId = config.unkToken === undefined ? -1 : (this.vocabIndex.get(config.unkToken) ?? -1);
    if (config.unkToken !== undefined && this.unkId < 0)
      throw inputError(`char tokenizer: unk token '${config.unkToken}' is not in the vocabulary`);
  }

  protected override expectedIds(chars: number): number {
    return Math.min(1 << 24, chars + 16);
  }

  protected encodeOrdinaryInto(text: string, start: number, end: number, out: IdBuffer, final: boolean): number {
    // Only a high surrogate at the very end can change (its low half may come next).
    let stop = end;
    if (!final && end > start) {
      const last = text.charCodeAt(end - 1);
      if (last >= 0xd800 && last <= 0xdbff) stop = end - 1;
    }
    out.reserve(stop - start);
    const data = out.data;
    let n = out.length;
    for (let i = start; i < stop; i++) {
      const c = text.charCodeAt(i);
      let id = c < 0xd800 || c > 0xdfff ? this.bmp[c] : -1;
      if (id < 0) {
        const cp = codePointAt(text, i, stop);
        id = cp < 65536 ? this.bmp[cp] : (this.astral.get(cp) ?? -1);
        if (id < 0) id = this.unkId;
        if (id < 0) {
          out.length = n;
          throw inputError(
            `character '${JSON.stringify(String.fromCodePoint(cp)).slice(1, -1)}' (U+${cp.toString(16).toUpperCase().padStart(4, '0')}) at offset ${i} is not in this char tokenizer's vocabulary`,
          );
        }
        if (cp > 0xffff) i++;
      }
      data[n++] = id;
    }
    out.length = n;
    return stop;
  }

  decode(ids: ArrayLike<number>, options: DecodeOptions = {}): string {
    this.checkIds(ids);
    const skip = options.skipSpecialTokens === true;
    const parts: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      if (skip && this.isSpecialId(ids[i])) continue;
      parts.push(this.vocab[ids[i]]);
    }
    return parts.join('');
  }

  toJSON(): TokenizerJson {
    return {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: specialAddedTokens(this.specialTokens),
      normalizer: null,
      pre_tokenizer: { type: 'Split', pattern: { Regex: CHAR_SPLIT_REGEX }, behavior: 'Isolated', invert: false },
      post_processor: null,
      decoder: { type: 'Fuse' },
      model: { type: 'WordLevel', vocab: vocabObject(this.vocab), unk_token: this.unkToken ?? '<unk>' },
    };
  }
}

/** Builds a char tokenizer from text: sorted unique characters (by code point), then the special tokens. */
export function trainChar(texts: TrainingTexts, options: TrainCharOptions = {}): CharTokenizer {
  const specialTokens = options.specialTokens ?? [];
  checkSpecialTokens(specialTokens);
  const seen = new Set<number>();
  let chars = 0;
  for (const text of textsOf(texts)) {
    chars += text.length;
    for (let i = 0; i < text.length; i++) {
      const cp = codePointAt(text, i);
      if (cp > 0xffff) i++;
      seen.add(cp);
    }
  }
  if (chars === 0) throw inputError('the training text is empty');
  const vocab = [...seen].sort((a, b) => a - b).map((cp) => String.fromCodePoint(cp));
  const special: Record<string, number> = {};
  for (const t of specialTokens) {
    special[t] = vocab.length;
    vocab.push(t);
  }
  if (options.unkToken !== undefined && !(options.unkToken in special)) {
    throw inputError(`unkToken '${options.unkToken}' must be one of the special tokens`);
  }
  return new CharTokenizer({ vocab, specialTokens: special, unkToken: options.unkToken });
}
