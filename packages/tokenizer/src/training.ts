/** What the trainers share: their input (one text or many), option checks, and walking the text between special tokens. */
import { inputError, usageError } from '@selfsup/core';
import { SpecialTokenMatcher } from './special-tokens.js';

/** One string or many (documents, files); a special token never spans two of them. */
export type TrainingTexts = string | Iterable<string>;

export function textsOf(texts: TrainingTexts): Iterable<string> {
  return typeof texts === 'string' ? [texts] : texts;
}

export function checkSpecialTokens(specialTokens: readonly string[]): void {
  const seen = new Set<string>();
  for (const t of specialTokens) {
    if (typeof t !== 'string' || t.length === 0) throw usageError('special tokens must be non-empty strings');
    if (seen.has(t)) throw usageError(`special token '${t}' is given twice`);
    seen.add(t);
  }
}

export function checkVocabSize(vocabSize: number, base: number, what: string): void {
  if (!Number.isInteger(vocabSize) || vocabSize < 1)
    throw usageError(`vocabSize must be a positive integer, got ${vocabSize}`);
  if (vocabSize < base)
    throw usageError(`vocabSize ${vocabSize} is smaller than the base alphabet (${what} = ${base})`);
}

/** Calls `fn` for each stretch of ordinary text between special tokens; throws when there is no text at all. */
export function forEachSegment(
  texts: TrainingTexts,
  specialTokens: readonly string[],
  fn: (text: string, start: number, end: number) => void,
): void {
  const matcher = new SpecialTokenMatcher(specialTokens);
  let chars = 0;
  for (const text of textsOf(texts)) {
    chars += text.length;
    let pos = 0;
    for (;;) {
      const m = matcher.find(text, pos);
      const end = m ? m.index : text.length;
      if (end > pos) fn(text, pos, end);
      if (!m) break;
      pos = m.index + m.token.length;
    }
  }
  if (chars === 0) throw inputError('the training text is empty');
}
