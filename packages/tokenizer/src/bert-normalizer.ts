/**
 * BERT's text normalizer and pre-tokenizer, as Hugging Face's `BertNormalizer` and `BertPreTokenizer` do them:
 * 1. clean text: drop NUL, U+FFFD and control characters (Unicode Cc, Cf, Cn, Co, Cs, but not \t \n \r), then
 *    turn every whitespace character into a space;
 * 2. put spaces around CJK ideographs, so each is a word;
 * 3. strip accents (NFD, then drop non-spacing marks) — by default exactly when lower-casing;
 * 4. lower-case each character on its own (no final-sigma rule: `Σ` → `σ`, as Rust's `char::to_lowercase`).
 * Then words are split at whitespace (dropped) and at punctuation (ASCII punctuation or Unicode P*, each its own
 * word).
 *
 * Character categories come from the JavaScript engine's Unicode tables. Hugging Face's come from an older
 * Unicode version, so for characters assigned in recent Unicode versions (some emoji, for example) it may drop
 * what we keep; text of older characters normalizes identically (tests compare both on many scripts).
 */

export interface BertNormalizerOptions {
  /** Drop control characters and map whitespace to spaces (default true). */
  cleanText?: boolean;
  /** Surround CJK ideographs with spaces (default true). */
  handleChineseChars?: boolean;
  /** Remove accents; `null`/undefined follows `lowercase`, as in Hugging Face (default). */
  stripAccents?: boolean | null;
  /** Lower-case (default true: `bert-base-uncased`). */
  lowercase?: boolean;
}

export interface ResolvedBertOptions {
  cleanText: boolean;
  handleChineseChars: boolean;
  stripAccents: boolean | null;
  lowercase: boolean;
}

export function resolveBertOptions(o: BertNormalizerOptions = {}): ResolvedBertOptions {
  return {
    cleanText: o.cleanText ?? true,
    handleChineseChars: o.handleChineseChars ?? true,
    stripAccents: o.stripAccents ?? null,
    lowercase: o.lowercase ?? true,
  };
}

const SIMPLE_ASCII = /^[\x20-\x7e\t\n\r]*$/;
const CONTROL = /[\0\ufffd]|(?![\t\n\r])[\p{Cc}\p{Cf}\p{Co}\p{Cs}]/gu;
const WHITESPACE = /[\t\n\r]|\p{White_Space}/gu;
const CJK =
  /[\u4e00-\u9fff\u3400-\u4dbf\u{20000}-\u{2a6df}\u{2a700}-\u{2b73f}\u{2b740}-\u{2b81f}\u{2b920}-\u{2ceaf}\uf900-\ufaff\u{2f800}-\u{2fa1f}]/gu;
const NONSPACING_MARK = /\p{Mn}/gu;
const ASCII_TABS = /[\t\n\r]/g;

/** Lower-cases each character separately (so `Σ` is always `σ`). */
function lowercaseChars(text: string): string {
  if (!text.includes('\u03a3')) return text.toLowerCase();
  return text
    .split('\u03a3')
    .map((part) => part.toLowerCase())
    .join('\u03c3');
}

export function bertNormalize(text: string, o: ResolvedBertOptions): string {
  let s = text;
  if (SIMPLE_ASCII.test(s)) {
    if (o.cleanText) s = s.replace(ASCII_TABS, ' ');
    return o.lowercase ? s.toLowerCase() : s;
  }
  if (o.cleanText) s = s.replace(CONTROL, '').replace(WHITESPACE, ' ');
  if (o.handleChineseChars) s = s.replace(CJK, ' $& ');
  if (o.stripAccents ?? o.lowercase) s = s.normalize('NFD').replace(NONSPACING_MARK, '');
  if (o.lowercase) s = lowercaseChars(s);
  return s;
}

const PUNCT = String.raw`\p{P}!-\/:-@\[-\x60{-~`;
/** A word (no whitespace, no punctuation) or one punctuation character. */
const BERT_WORD = new RegExp(`[^\\p{White_Space}${PUNCT}]+|[${PUNCT}]`, 'gu');

/** BERT's pre-tokenizer: the words of (normalized) text. */
export function bertPreTokenize(text: string): string[] {
  return text.match(BERT_WORD) ?? [];
}

/** Calls `fn` with each word of `text`, without building an array. */
export function forEachBertWord(text: string, fn: (word: string) => void): void {
  BERT_WORD.lastIndex = 0;
  for (let m = BERT_WORD.exec(text); m; m = BERT_WORD.exec(text)) fn(m[0]);
}
