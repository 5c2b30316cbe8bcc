/**
 * WordPiece (BERT): normalize (lower-case, strip accents, ...), split into words at whitespace and punctuation,
 * then cut each word greedily into the longest pieces in the vocabulary, pieces after the first spelled with the
 * `##` prefix. A word with a part no piece covers, or longer than `maxInputCharsPerWord` characters, becomes
 * `[UNK]`. Special tokens `[PAD] [UNK] [CLS] [SEP] [MASK]`; `encode(text, { addSpecialTokens: true })` wraps the
 * ids as `[CLS] … [SEP]` (Hugging Face's template). Special-token strings in the text (`[MASK]`) are encoded as
 * special tokens by default, as Hugging Face does.
 */
import { inputError } from '@selfsup/core';
import { type DecodeOptions, type EncodeOptions, Tokenizer } from './base.js';
import {
  type BertNormalizerOptions,
  bertNormalize,
  forEachBertWord,
  type ResolvedBertOptions,
  resolveBertOptions,
} from './bert-normalizer.js';
import type { IdBuffer } from './id-buffer.js';
import { specialAddedTokens, type TokenizerJson, vocabObject } from './tokenizer-json.js';

export const BERT_SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

export interface WordPieceSpecialNames {
  padToken?: string;
  unkToken?: string;
  clsToken?: string;
  sepToken?: string;
  maskToken?: string;
}

export interface WordPieceTokenizerConfig extends BertNormalizerOptions, WordPieceSpecialNames {
  /** Token for each id (`##` pieces and special tokens included). */
  vocab: readonly string[];
  /** Default `##`. */
  continuingSubwordPrefix?: string;
  /** Longer words become `[UNK]` (default 100). */
  maxInputCharsPerWord?: number;
  /** Special tokens (default: the five BERT names, which must be in the vocabulary). */
  specialTokens?: Record<string, number>;
}

export interface WordPieceEncodeOptions extends EncodeOptions {
  /** Wrap as `[CLS] … [SEP]` (default false). */
  addSpecialTokens?: boolean;
}

const MAX_CACHED_WORD = 64;
const MAX_CACHE_ENTRIES = 1 << 18;

export class WordPieceTokenizer extends Tokenizer {
  readonly kind = 'wordpiece' as const;
  protected override readonly defaultAllowedSpecial = 'all' as const;
  readonly continuingSubwordPrefix: string;
  readonly maxInputCharsPerWord: number;
  readonly normalizer: ResolvedBertOptions;
  readonly padTokenId: number;
  readonly unkTokenId: number;
  readonly clsTokenId: number;
  readonly sepTokenId: number;
  readonly maskTokenId: number;
  private readonly names: Required<WordPieceSpecialNames>;
  private readonly continuation: Uint8Array;
  private readonly maxTokenLength: number;
  private readonly cache = new Map<string, number | Int32Array>();

  constructor(config: WordPieceTokenizerConfig) {
    const names = {
      padToken: config.padToken ?? '[PAD]',
      unkToken: config.unkToken ?? '[UNK]',
      clsToken: config.clsToken ?? '[CLS]',
      sepToken: config.sepToken ?? '[SEP]',
      maskToken: config.maskToken ?? '[MASK]',
    };
    const index = new Map<string, number>();
    config.vocab.forEach((t, id) => {
      if (!index.has(t)) index.set(t, id);
    });
    const idOf = (name: string) => {
      const id = index.get(name);
      if (id === undefined) throw inputError(`WordPiece vocabulary has no '${name}' token`);
      return id;
    };
    const ids = Object.values(names).map(idOf);
    const specialTokens = config.specialTokens ?? Object.fromEntries(Object.values(names).map((n, i) => [n, ids[i]]));
    super(config.vocab, specialTokens);
    this.names = names;
    [this.padTokenId, this.unkTokenId, this.clsTokenId, this.sepTokenId, this.maskTokenId] = ids;
    this.continuingSubwordPrefix = config.continuingSubwordPrefix ?? '##';
    this.maxInputCharsPerWord = config.maxInputCharsPerWord ?? 100;
    this.normalizer = resolveBertOptions(config);
    this.continuation = new Uint8Array(config.vocab.length);
    let longest = 0;
    config.vocab.forEach((t, id) => {
      if (t.startsWith(this.continuingSubwordPrefix) && !this.isSpecialId(id)) this.continuation[id] = 1;
      longest = Math.max(longest, t.length);
    });
    this.maxTokenLength = longest;
  }

  /** WordPiece has no end-of-text token. */
  override get endOfTextId(): number | undefined {
    return undefined;
  }

  /** True for a `##` piece: a token that continues the word before it (whole-word masking uses this). */
  override isContinuation(id: number): boolean {
    return this.continuation[id] === 1;
  }

  override encode(text: string, options: WordPieceEncodeOptions = {}): Int32Array {
    const ids = super.encode(text, options);
    if (!options.addSpecialTokens) return ids;
    const out = new Int32Array(ids.length + 2);
    out[0] = this.clsTokenId;
    out.set(ids, 1);
    out[ids.length + 1] = this.sepTokenId;
    return out;
  }

  protected encodeOrdinaryInto(text: string, start: number, end: number, out: IdBuffer, final: boolean): number {
    let stop = end;
    if (!final) {
      // A space, tab or newline always ends a word: cut after the last one.
      stop = start;
      for (let k = end - 1; k >= start; k--) {
        const c = text.charCodeAt(k);
        if (c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d) {
          stop = k + 1;
          break;
        }
      }
    }
    if (stop === start) return stop;
    const normalized = bertNormalize(text.slice(start, stop), this.normalizer);
    forEachBertWord(normalized, (word) => {
      let ids = word.length <= MAX_CACHED_WORD ? this.cache.get(word) : undefined;
      if (ids === undefined) {
        ids = this.encodeWord(word);
        if (word.length <= MAX_CACHED_WORD) {
          if (this.cache.size >= MAX_CACHE_ENTRIES) this.cache.clear();
          this.cache.set(word, ids);
        }
      }
      if (typeof ids === 'number') out.push(ids);
      else {
        out.reserve(ids.length);
        out.data.set(ids, out.length);
        out.length += ids.length;
      }
    });
    return stop;
  }

  /** Greedy longest-match-first pieces of one word, or `[UNK]`. */
  private encodeWord(word: string): number | Int32Array {
    let chars = 0;
    for (let i = 0; i < word.length; i++) {
      const c = word.charCodeAt(i);
      if (c < 0xd800 || c > 0xdbff || i + 1 >= word.length) chars++;
    }
    if (chars > this.maxInputCharsPerWord) return this.unkTokenId;
    const pieces: number[] = [];
    const prefix = this.continuingSubwordPrefix;
    let start = 0;
    while (start < word.length) {
      let end = Math.min(word.length, start + this.maxTokenLength);
      let found = -1;
      while (end > start) {
        const sub = start > 0 ? prefix + word.slice(start, end) : word.slice(start, end);
        const id = this.vocabIndex.get(sub);
        if (id !== undefined) {
          found = id;
          break;
        }
        // step back one character (two code units for a surrogate pair)
        const last = word.charCodeAt(end - 1);
        end -= last >= 0xdc00 && last <= 0xdfff && end - 2 >= start ? 2 : 1;
      }
      if (found < 0) return this.unkTokenId;
      pieces.push(found);
      start = end;
    }
    return pieces.length === 1 ? pieces[0] : Int32Array.from(pieces);
  }

  /**
   * Ids → text as Hugging Face's WordPiece decoder does: pieces joined with spaces, `##` pieces glued to the one
   * before, and spaces before `. ? ! ,` and in `n't`, `'s`, ... removed.
   */
  decode(ids: ArrayLike<number>, options: DecodeOptions = {}): string {
    this.checkIds(ids);
    const skip = options.skipSpecialTokens === true;
    const prefix = this.continuingSubwordPrefix;
    let out = '';
    let first = true;
    for (let i = 0; i < ids.length; i++) {
      if (skip && this.isSpecialId(ids[i])) continue;
      let token = this.vocab[ids[i]];
      if (!first) token = token.startsWith(prefix) ? token.slice(prefix.length) : ` ${token}`;
      first = false;
      out += cleanup(token);
    }
    return out;
  }

  toJSON(): TokenizerJson {
    const { clsToken, sepToken } = this.names;
    const special = (id: string, typeId: number) => ({ SpecialToken: { id, type_id: typeId } });
    const sequence = (id: string, typeId: number) => ({ Sequence: { id, type_id: typeId } });
    return {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: specialAddedTokens(this.specialTokens),
      normalizer: {
        type: 'BertNormalizer',
        clean_text: this.normalizer.cleanText,
        handle_chinese_chars: this.normalizer.handleChineseChars,
        strip_accents: this.normalizer.stripAccents,
        lowercase: this.normalizer.lowercase,
      },
      pre_tokenizer: { type: 'BertPreTokenizer' },
      post_processor: {
        type: 'TemplateProcessing',
        single: [special(clsToken, 0), sequence('A', 0), special(sepToken, 0)],
        pair: [special(clsToken, 0), sequence('A', 0), special(sepToken, 0), sequence('B', 1), special(sepToken, 1)],
        special_tokens: {
          [clsToken]: { id: clsToken, ids: [this.clsTokenId], tokens: [clsToken] },
          [sepToken]: { id: sepToken, ids: [this.sepTokenId], tokens: [sepToken] },
        },
      },
      decoder: { type: 'WordPiece', prefix: this.continuingSubwordPrefix, cleanup: true },
      model: {
        type: 'WordPiece',
        unk_token: this.names.unkToken,
        continuing_subword_prefix: this.continuingSubwordPrefix,
        max_input_chars_per_word: this.maxInputCharsPerWord,
        vocab: vocabObject(this.vocab),
      },
    };
  }

  /** The special-token names this tokenizer uses (for writing and for the `[CLS] … [SEP]` template). */
  get specialNames(): Readonly<Required<WordPieceSpecialNames>> {
    return this.names;
  }
}

/** Hugging Face's WordPiece decoder clean-up, applied to each piece. */
function cleanup(s: string): string {
  if (!s.includes(' ')) return s;
  return s
    .replaceAll(' .', '.')
    .replaceAll(' ?', '?')
    .replaceAll(' !', '!')
    .replaceAll(' ,', ',')
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(' do not', " don't")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}
