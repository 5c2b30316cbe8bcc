/**
 * `trainWordPiece`, the method of Hugging Face's `WordPieceTrainer`: BPE on characters with the `##` prefix.
 * 1. Normalize and pre-tokenize the text as BERT does; count the distinct words (special tokens are cut out).
 * 2. The alphabet: every character seen (or the `limitAlphabet` most frequent), sorted by code point. Each word
 *    is its characters, those after the first as `##c` pieces.
 * 3. Merge the most frequent adjacent pair, again and again (incrementally, as `trainBpe`): `a` + `##b` → `ab`,
 *    `##a` + `##b` → `##ab`, until the vocabulary is full.
 * The merges are then dropped: a WordPiece model keeps only the vocabulary and encodes by longest match.
 * (This is frequency-based, as in Hugging Face `tokenizers`; Google's original scores pairs by likelihood.)
 * Ids: special tokens first (`[PAD]` = 0, `[UNK]` = 1, `[CLS]` = 2, `[SEP]` = 3, `[MASK]` = 4), then the
 * characters, then the `##` characters, then learned pieces.
 */
import { inputError } from '@selfsup/core';
import type { BertNormalizerOptions } from './bert-normalizer.js';
import { bertNormalize, forEachBertWord, resolveBertOptions } from './bert-normalizer.js';
import { learnMerges } from './merge-learner.js';
import { checkSpecialTokens, checkVocabSize, forEachSegment, type TrainingTexts } from './training.js';
import { BERT_SPECIAL_TOKENS, type WordPieceSpecialNames, WordPieceTokenizer } from './wordpiece.js';

export interface TrainWordPieceOptions extends BertNormalizerOptions, WordPieceSpecialNames {
  /** Total size: special tokens + characters + `##` characters + learned pieces. */
  vocabSize: number;
  /** Default `['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']`; they must include the names in use. */
  specialTokens?: readonly string[];
  /** Pairs seen fewer times than this are not merged (default 0). */
  minFrequency?: number;
  /** Keep only this many characters (the most frequent); words lose the others. */
  limitAlphabet?: number;
  continuingSubwordPrefix?: string;
  maxInputCharsPerWord?: number;
}

export function trainWordPiece(texts: TrainingTexts, options: TrainWordPieceOptions): WordPieceTokenizer {
  const specialTokens = options.specialTokens ?? BERT_SPECIAL_TOKENS;
  checkSpecialTokens(specialTokens);
  const prefix = options.continuingSubwordPrefix ?? '##';
  const normalizer = resolveBertOptions(options);

  // 1. words
  const wordCounts = new Map<string, number>();
  forEachSegment(texts, specialTokens, (text, start, end) => {
    forEachBertWord(bertNormalize(text.slice(start, end), normalizer), (word) => {
      wordCounts.set(word, (wordCounts.get(word) ?? 0) + 1);
    });
  });
  if (wordCounts.size === 0) throw inputError('the training text has no words (only whitespace or special tokens)');

  // 2. alphabet
  const charCounts = new Map<number, number>();
  for (const [word, count] of wordCounts) {
    for (const ch of word) {
      const cp = ch.codePointAt(0)!;
      charCounts.set(cp, (charCounts.get(cp) ?? 0) + count);
    }
  }
  let alphabet = [...charCounts.keys()];
  if (options.limitAlphabet !== undefined && alphabet.length > options.limitAlphabet) {
    alphabet.sort((a, b) => charCounts.get(b)! - charCounts.get(a)! || a - b);
    alphabet = alphabet.slice(0, options.limitAlphabet);
  }
  alphabet.sort((a, b) => a - b);
  const kept = new Set(alphabet);
  const continued = new Set<number>();
  for (const word of wordCounts.keys()) {
    let first = true;
    for (const ch of word) {
      const cp = ch.codePointAt(0)!;
      if (!kept.has(cp)) continue;
      if (!first) continued.add(cp);
      first = false;
    }
  }
  const vocab: string[] = [];
  const index = new Map<string, number>();
  const add = (token: string) => {
    if (index.has(token)) return;
    index.set(token, vocab.length);
    vocab.push(token);
  };
  specialTokens.forEach(add);
  for (const cp of alphabet) add(String.fromCodePoint(cp));
  for (const cp of [...continued].sort((a, b) => a - b)) add(prefix + String.fromCodePoint(cp));
  checkVocabSize(
    options.vocabSize,
    vocab.length,
    `${specialTokens.length} special tokens + ${vocab.length - specialTokens.length} characters and ${prefix}characters`,
  );

  // 3. merges
  const words: Int32Array[] = [];
  const counts: number[] = [];
  for (const [word, count] of wordCounts) {
    const ids: number[] = [];
    for (const ch of word) {
      if (!kept.has(ch.codePointAt(0)!)) continue;
      ids.push(index.get(ids.length === 0 ? ch : prefix + ch)!);
    }
    if (ids.length === 0) continue;
    words.push(Int32Array.from(ids));
    counts.push(count);
  }
  learnMerges({
    words,
    counts,
    vocab,
    join: (a, b) => a + (b.startsWith(prefix) ? b.slice(prefix.length) : b),
    targetSize: options.vocabSize,
    minFrequency: options.minFrequency,
  });
  const specialIds = Object.fromEntries(specialTokens.map((t) => [t, index.get(t)!]));
  return new WordPieceTokenizer({
    ...options,
    vocab,
    continuingSubwordPrefix: prefix,
    specialTokens: specialIds,
  });
}
