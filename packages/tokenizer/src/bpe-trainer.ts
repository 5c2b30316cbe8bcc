/**
 * `trainBpe`: byte-level BPE training. The text is split by GPT-2's pre-tokenizer (special tokens are cut out
 * and never merged), distinct pieces are counted, each becomes its UTF-8 bytes, and merges are learned
 * incrementally (`learnMerges`). Ids: the 256 bytes in GPT-2's order, then the learned tokens, then the special
 * tokens (so `<|endoftext|>` is the last id, as in GPT-2).
 */
import { BpeTokenizer } from './bpe.js';
import { BYTE_ORDER, BYTE_TO_CHAR, utf8EncodeInto } from './byte-level.js';
import { gpt2PreTokenEnd } from './gpt2-pretokenizer.js';
import { learnMerges } from './merge-learner.js';
import { checkSpecialTokens, checkVocabSize, forEachSegment, type TrainingTexts } from './training.js';

export interface TrainBpeOptions {
  /** Total ids: 256 bytes + merges + special tokens. Training stops earlier when no pair is left to merge. */
  vocabSize: number;
  /** Default `['<|endoftext|>']`. */
  specialTokens?: readonly string[];
  /** Pairs seen fewer times than this are not merged (default 0: every pair that occurs, as Hugging Face). */
  minFrequency?: number;
}

export const DEFAULT_BPE_SPECIAL_TOKENS: readonly string[] = ['<|endoftext|>'];

export function trainBpe(texts: TrainingTexts, options: TrainBpeOptions): BpeTokenizer {
  const specialTokens = options.specialTokens ?? DEFAULT_BPE_SPECIAL_TOKENS;
  checkSpecialTokens(specialTokens);
  checkVocabSize(options.vocabSize, 256 + specialTokens.length, `256 bytes + ${specialTokens.length} special tokens`);
  const wordCounts = new Map<string, number>();
  forEachSegment(texts, specialTokens, (text, start, end) => {
    for (let i = start; i < end; ) {
      const j = gpt2PreTokenEnd(text, i, end);
      const word = text.slice(i, j);
      wordCounts.set(word, (wordCounts.get(word) ?? 0) + 1);
      i = j;
    }
  });

  const idOfByte = new Int32Array(256);
  BYTE_ORDER.forEach((b, id) => {
    idOfByte[b] = id;
  });
  const words: Int32Array[] = [];
  const counts: number[] = [];
  let bytes = new Uint8Array(1024);
  for (const [word, count] of wordCounts) {
    if (3 * word.length > bytes.length) bytes = new Uint8Array(3 * word.length);
    const n = utf8EncodeInto(word, 0, word.length, bytes, 0);
    const ids = new Int32Array(n);
    for (let k = 0; k < n; k++) ids[k] = idOfByte[bytes[k]];
    words.push(ids);
    counts.push(count);
  }
  const { merges, vocab } = learnMerges({
    words,
    counts,
    vocab: BYTE_ORDER.map((b) => BYTE_TO_CHAR[b]),
    join: (a, b) => a + b,
    targetSize: options.vocabSize - specialTokens.length,
    minFrequency: options.minFrequency,
  });
  const special: Record<string, number> = {};
  for (const t of specialTokens) {
    special[t] = vocab.length;
    vocab.push(t);
  }
  return new BpeTokenizer({ vocab, merges, specialTokens: special });
}
