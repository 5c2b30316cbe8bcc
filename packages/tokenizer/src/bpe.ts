/**
 * Byte-level BPE (GPT-2's scheme): text is split by GPT-2's pre-tokenizer, each piece becomes UTF-8 bytes, and the
 * bytes are merged pair by pair in rank order. Token strings in the vocabulary use GPT-2's byte-to-unicode
 * alphabet (`Ġthe`), as in Hugging Face's `tokenizer.json`.
 *
 * Lone surrogates (invalid UTF-16) are encoded as U+FFFD, as tiktoken and `TextEncoder` do, so for any string
 * `decode(encode(s)) === s.toWellFormed()` — and `=== s` for every well-formed string.
 */
import { inputError } from '@selfsup/core';
import { type DecodeOptions, Tokenizer } from './base.js';
import { BYTE_TO_CHAR, tokenToBytes, utf8EncodeInto } from './byte-level.js';
import { gpt2PreTokenEnd } from './gpt2-pretokenizer.js';
import type { IdBuffer } from './id-buffer.js';
import { applyMerges, MergeTable } from './merge-table.js';
import { specialAddedTokens, type TokenizerJson, vocabObject } from './tokenizer-json.js';
import { WordCache } from './word-cache.js';

export interface BpeTokenizerConfig {
  /** Token string (byte-level alphabet) for each id; special tokens are included at their ids. */
  vocab: readonly string[];
  /** Merges in rank order: `[a, b]` merges tokens `a` and `b` into the token spelled `vocab[a] + vocab[b]`. */
  merges: readonly (readonly [number, number])[];
  /** Special token string → id (an id of `vocab`). */
  specialTokens?: Record<string, number>;
}

/** Words longer than this many UTF-16 units are not cached. */
const MAX_CACHED_WORD = 128;

export class BpeTokenizer extends Tokenizer {
  readonly kind = 'bpe' as const;
  readonly merges: readonly (readonly [number, number])[];
  private readonly table: MergeTable;
  /** Id of the single-byte token for each byte, or -1 when the vocabulary lacks it (the byte is then dropped). */
  private readonly byteToId = new Int32Array(256).fill(-1);
  /** Bytes of every token, packed: token `id` is `bytes[offsets[id], offsets[id + 1])`. */
  private readonly bytes: Uint8Array;
  private readonly offsets: Int32Array;
  private readonly cache = new WordCache();
  private scratchBytes = new Uint8Array(3 * MAX_CACHED_WORD);
  private scratchIds = new Int32Array(3 * MAX_CACHED_WORD);
  private scratchRanks = new Int32Array(3 * MAX_CACHED_WORD);

  constructor(config: BpeTokenizerConfig) {
    const specialTokens = config.specialTokens ?? {};
    super(config.vocab, specialTokens);
    this.merges = config.merges;
    const specialIds = new Set(Object.values(specialTokens));
    // Token bytes.
    const parts: Uint8Array[] = [];
    const encoder = new TextEncoder();
    let total = 0;
    config.vocab.forEach((token, id) => {
      const b = specialIds.has(id) ? encoder.encode(token) : tokenToBytes(token);
      if (!b) throw inputError(`BPE token ${id} '${token}' has a character outside the byte-level alphabet`);
      parts.push(b);
      total += b.length;
    });
    this.bytes = new Uint8Array(total);
    this.offsets = new Int32Array(parts.length + 1);
    let at = 0;
    parts.forEach((b, id) => {
      this.bytes.set(b, at);
      at += b.length;
      this.offsets[id + 1] = at;
    });
    for (let b = 0; b < 256; b++) {
      const id = this.vocabIndex.get(BYTE_TO_CHAR[b]);
      if (id !== undefined && !specialIds.has(id)) this.byteToId[b] = id;
    }
    // Merges.
    this.table = new MergeTable(config.merges.length);
    config.merges.forEach(([a, b], rank) => {
      const result = this.vocabIndex.get(config.vocab[a] + config.vocab[b]);
      if (result === undefined)
        throw inputError(
          `BPE merge ${rank} ('${config.vocab[a]}', '${config.vocab[b]}') makes a token that is not in the vocabulary`,
        );
      this.table.set(a, b, rank, result);
    });
  }

  protected encodeOrdinaryInto(text: string, start: number, end: number, out: IdBuffer, final: boolean): number {
    const cache = this.cache;
    let i = start;
    while (i < end) {
      const j = gpt2PreTokenEnd(text, i, end);
      // With more text to come, the last piece (and any piece starting in the last two characters, where a
      // contraction like 're may still form) can change; leave them for the next call.
      if (!final && (j === end || i >= end - 2)) return i;
      let ids: Int32Array;
      let at: number;
      let n: number;
      const h = j - i <= MAX_CACHED_WORD ? WordCache.hash(text, i, j) : 0;
      if (j - i <= MAX_CACHED_WORD && cache.find(text, i, j, h)) {
        ids = cache.ids;
        at = cache.start;
        n = cache.length;
      } else {
        n = this.encodeWord(text, i, j);
        ids = this.scratchIds;
        at = 0;
        if (j - i <= MAX_CACHED_WORD) cache.insert(text, i, j, h, ids, n);
      }
      if (out.length + n > out.data.length) out.reserve(n);
      const data = out.data;
      let o = out.length;
      for (let k = 0; k < n; k++) data[o++] = ids[at + k];
      out.length = o;
      i = j;
    }
    return end;
  }

  /** BPE of one pre-token into `scratchIds`; returns how many ids. */
  private encodeWord(text: string, i: number, j: number): number {
    const maxBytes = 3 * (j - i);
    if (maxBytes > this.scratchBytes.length) {
      this.scratchBytes = new Uint8Array(maxBytes);
      this.scratchIds = new Int32Array(maxBytes);
      this.scratchRanks = new Int32Array(maxBytes);
    }
    const nBytes = utf8EncodeInto(text, i, j, this.scratchBytes, 0);
    const ids = this.scratchIds;
    let n = 0;
    for (let k = 0; k < nBytes; k++) {
      const id = this.byteToId[this.scratchBytes[k]];
      if (id >= 0) ids[n++] = id;
    }
    return applyMerges(this.table, ids, n, this.scratchRanks);
  }

  /** Ids → the bytes they stand for (special tokens as their UTF-8 text unless skipped). */
  decodeBytes(ids: ArrayLike<number>, options: DecodeOptions = {}): Uint8Array {
    this.checkIds(ids);
    const skip = options.skipSpecialTokens === true;
    let total = 0;
    for (let i = 0; i < ids.length; i++) {
      if (skip && this.isSpecialId(ids[i])) continue;
      total += this.offsets[ids[i] + 1] - this.offsets[ids[i]];
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (skip && this.isSpecialId(id)) continue;
      const a = this.offsets[id];
      const b = this.offsets[id + 1];
      if (b - a === 1) out[at++] = this.bytes[a];
      else {
        out.set(this.bytes.subarray(a, b), at);
        at += b - a;
      }
    }
    return out;
  }

  /** Ids → text; bytes that are not valid UTF-8 (a character cut between tokens) become U+FFFD, as in tiktoken. */
  decode(ids: ArrayLike<number>, options: DecodeOptions = {}): string {
    return new TextDecoder('utf-8').decode(this.decodeBytes(ids, options));
  }

  toJSON(): TokenizerJson {
    const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
    return {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: specialAddedTokens(this.specialTokens),
      normalizer: null,
      pre_tokenizer: byteLevel,
      post_processor: { ...byteLevel, trim_offsets: false },
      decoder: byteLevel,
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: null,
        continuing_subword_prefix: null,
        end_of_word_suffix: null,
        fuse_unk: false,
        byte_fallback: false,
        ignore_merges: false,
        vocab: vocabObject(this.vocab),
        merges: this.merges.map(([a, b]) => [this.vocab[a], this.vocab[b]]),
      },
    };
  }
}
