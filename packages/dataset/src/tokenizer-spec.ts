/**
 * `--tokenizer` values: `char`, `bpe:N`, `wordpiece:N`, `gpt2`, or a `tokenizer.json` file, and building the
 * tokenizer a value names (training it on the corpus when it has to be learned).
 */
import { statSync } from 'node:fs';
import { inputError, usageError } from '@selfsup/core';
import { gpt2Tokenizer, loadTokenizer, trainBpe, trainChar, trainWordPiece } from '@selfsup/tokenizer';
import type { Corpus } from './corpus.js';
import { wordPieceContinuations } from './mlm-collate.js';

export type TokenizerSpec =
  | { kind: 'char' }
  | { kind: 'bpe'; vocabSize: number }
  | { kind: 'wordpiece'; vocabSize: number }
  | { kind: 'gpt2' }
  | { kind: 'file'; path: string };

/** What `prepareData` needs of a tokenizer (every `@selfsup/tokenizer` tokenizer has it). */
export interface DataTokenizer {
  readonly kind: string;
  readonly vocabSize: number;
  readonly specialTokens: Readonly<Record<string, number>>;
  readonly endOfTextId?: number | undefined;
  encode(text: string, options?: Record<string, unknown>): Int32Array;
  decode(ids: ArrayLike<number>): string;
  idToToken(id: number): string | undefined;
  toJSON(): unknown;
}

/** The special tokens a masked LM needs, when the tokenizer has them (WordPiece). */
export interface MlmSpecialIds {
  clsTokenId: number;
  sepTokenId: number;
  padTokenId: number;
  maskTokenId: number;
}

export const TOKENIZER_SPEC_HELP = 'char, bpe:N, wordpiece:N, gpt2 or a tokenizer.json file';

/** The end-of-text token the tokenizers we train get, GPT-2's. */
export const END_OF_TEXT = '<|endoftext|>';

/** Parses a `--tokenizer` value; a value that is none of the names must be an existing file. */
export function parseTokenizerSpec(spec: string): TokenizerSpec {
  const text = String(spec ?? '').trim();
  if (text === 'char') return { kind: 'char' };
  if (text === 'gpt2') return { kind: 'gpt2' };
  const sized = /^(bpe|wordpiece):(.*)$/.exec(text);
  if (sized) {
    const n = Number(sized[2]);
    if (!/^\d+$/.test(sized[2]) || !Number.isSafeInteger(n) || n < 1) {
      throw usageError(
        `--tokenizer ${text}: the vocabulary size after '${sized[1]}:' must be a positive integer (e.g. ${sized[1]}:8000)`,
      );
    }
    return { kind: sized[1] as 'bpe' | 'wordpiece', vocabSize: n };
  }
  if (text === '') throw usageError(`--tokenizer: expected ${TOKENIZER_SPEC_HELP}`);
  let isFile = false;
  try {
    isFile = statSync(text).isFile();
  } catch {
    throw inputError(`--tokenizer ${text}: not found (expected ${TOKENIZER_SPEC_HELP})`);
  }
  if (!isFile) throw inputError(`--tokenizer ${text}: is a folder, expected ${TOKENIZER_SPEC_HELP}`);
  return { kind: 'file', path: text };
}

/**
 * The tokenizer a spec names. `char`, `bpe:N` and `wordpiece:N` learn their vocabulary from `corpus` (`char`: its
 * sorted distinct characters, as nanoGPT's `prepare.py`; `bpe:N` gets `<|endoftext|>` to separate documents).
 */
export function buildTokenizer(spec: TokenizerSpec, corpus: Corpus, joined?: string): DataTokenizer {
  const texts = corpus.documents.map((d) => d.text);
  switch (spec.kind) {
    case 'char':
      return trainChar(joined ?? texts.join(''));
    case 'bpe':
      return trainBpe(texts, { vocabSize: spec.vocabSize, specialTokens: [END_OF_TEXT] });
    case 'wordpiece':
      return trainWordPiece(texts, { vocabSize: spec.vocabSize });
    case 'gpt2':
      return gpt2Tokenizer();
    case 'file':
      return loadTokenizer(spec.path);
  }
}

/** `[CLS]`, `[SEP]`, `[PAD]` and `[MASK]` ids when the tokenizer has all four, else undefined. */
export function mlmSpecialIds(tokenizer: DataTokenizer): MlmSpecialIds | undefined {
  const t = tokenizer as DataTokenizer & Partial<Record<keyof MlmSpecialIds, number | undefined>>;
  const s = tokenizer.specialTokens;
  const clsTokenId = t.clsTokenId ?? s['[CLS]'];
  const sepTokenId = t.sepTokenId ?? s['[SEP]'];
  const padTokenId = t.padTokenId ?? s['[PAD]'];
  const maskTokenId = t.maskTokenId ?? s['[MASK]'];
  if (clsTokenId === undefined || sepTokenId === undefined || padTokenId === undefined || maskTokenId === undefined)
    return undefined;
  return { clsTokenId, sepTokenId, padTokenId, maskTokenId };
}

/** Everything `mlmBlocks` and `mlmBatches` need from a tokenizer, in one object to spread into both. */
export interface MlmTokenizerOptions extends MlmSpecialIds {
  vocabSize: number;
  /** Every special id: never selected for masking, never drawn as a random replacement. */
  specialTokenIds: number[];
  /** Whole-word masking table (`##` pieces), when asked for. */
  wordContinuation?: Uint8Array;
  /** An end-of-text id also ends a document in the stream. */
  documentSeparatorIds: number[];
}

/**
 * The masked-LM settings of a tokenizer with `[CLS]`, `[SEP]`, `[PAD]` and `[MASK]` (WordPiece):
 * `mlmBatches(mlmBlocks(tokens, { blockSize, ...o }), { batchSize, seed, ...o })` with `o = mlmOptionsFor(tok)`.
 */
export function mlmOptionsFor(
  tokenizer: DataTokenizer,
  options: { wholeWordMask?: boolean } = {},
): MlmTokenizerOptions {
  const ids = mlmSpecialIds(tokenizer);
  if (!ids) {
    throw usageError(
      `masked-LM training needs a tokenizer with [CLS], [SEP], [PAD] and [MASK] (use wordpiece:N); this one is ${tokenizer.kind}`,
    );
  }
  const specialTokenIds = [...new Set(Object.values(tokenizer.specialTokens))].sort((a, b) => a - b);
  const eot = tokenizer.endOfTextId;
  return {
    ...ids,
    vocabSize: tokenizer.vocabSize,
    specialTokenIds,
    documentSeparatorIds: eot === undefined ? [] : [eot],
    ...(options.wholeWordMask ? { wordContinuation: continuationTable(tokenizer) } : {}),
  };
}

/** 1 at ids that continue the previous token's word: the tokenizer's own `isContinuation`, else a `##` prefix. */
export function continuationTable(tokenizer: DataTokenizer): Uint8Array {
  const t = tokenizer as DataTokenizer & { isContinuation?: (id: number) => boolean };
  if (typeof t.isContinuation !== 'function')
    return wordPieceContinuations(tokenizer.vocabSize, (id) => tokenizer.idToToken(id));
  const table = new Uint8Array(tokenizer.vocabSize);
  for (let id = 0; id < table.length; id++) if (t.isContinuation(id)) table[id] = 1;
  return table;
}
