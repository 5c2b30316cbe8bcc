/**
 * The tokenizers the widgets share, built on first use from @selfsup/tokenizer (loaded lazily, so pages without
 * widgets never download it).
 */
import type { BpeTokenizer, CharTokenizer, WordPieceTokenizer } from '@selfsup/tokenizer';
import { TINY_CORPUS } from './tiny-corpus';

export type TokenizerChoice = 'char' | 'gpt2' | 'wordpiece';

/** Vocabulary size of the WordPiece tokenizer the widgets train on the built-in text. */
export const WIDGET_WORDPIECE_VOCAB = 250;

let gpt2: Promise<BpeTokenizer> | undefined;
let wordPiece: Promise<WordPieceTokenizer> | undefined;

export function gpt2Tokenizer(): Promise<BpeTokenizer> {
  gpt2 ??= import('@selfsup/tokenizer').then((m) => m.gpt2Tokenizer());
  return gpt2;
}

/** A WordPiece tokenizer trained (in the page, in a few milliseconds) on the built-in text. */
export function wordPieceTokenizer(): Promise<WordPieceTokenizer> {
  wordPiece ??= import('@selfsup/tokenizer').then((m) =>
    m.trainWordPiece(TINY_CORPUS, { vocabSize: WIDGET_WORDPIECE_VOCAB }),
  );
  return wordPiece;
}

/** nanoGPT's character tokenizer: the vocabulary is the sorted distinct characters of `text`. */
export async function charTokenizer(text: string): Promise<CharTokenizer> {
  const m = await import('@selfsup/tokenizer');
  return m.trainChar(text);
}

export interface ShownToken {
  id: number;
  /** What the token stands for, as text (a byte-level piece that is not whole UTF-8 shows as �). */
  text: string;
}

/** Encodes `text` and pairs every id with the text it stands for. */
export async function tokenize(
  choice: TokenizerChoice,
  text: string,
): Promise<{ tokens: ShownToken[]; vocabSize: number }> {
  if (text.length === 0) return { tokens: [], vocabSize: 0 };
  if (choice === 'char') {
    const t = await charTokenizer(text);
    return { tokens: [...t.encode(text)].map((id) => ({ id, text: t.decode([id]) })), vocabSize: t.vocabSize };
  }
  if (choice === 'gpt2') {
    const t = await gpt2Tokenizer();
    return { tokens: [...t.encode(text)].map((id) => ({ id, text: t.decode([id]) })), vocabSize: t.vocabSize };
  }
  const t = await wordPieceTokenizer();
  return {
    tokens: [...t.encode(text)].map((id) => ({ id, text: t.idToToken(id) ?? '?' })),
    vocabSize: t.vocabSize,
  };
}
