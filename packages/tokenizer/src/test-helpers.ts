/** Shared fixtures for this package's tests (not part of the build). */
import { join } from 'node:path';

/** nanoGPT's corpus, read from the shared data folder (never copied into the repo). */
export const TINY_SHAKESPEARE = join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  '..',
  'shared',
  'data',
  'tinyshakespeare.txt',
);

/** Pieces that exercise every branch of GPT-2's pre-tokenizer: contractions, the optional space, runs of each class,
 * whitespace look-ahead, Unicode spaces (U+0085 is one for tiktoken, U+FEFF is not), surrogate pairs and lone halves. */
export const TRICKY = [
  'a',
  'Z',
  'é',
  'e\u0301',
  '中',
  'ß',
  '𝐀',
  ' ',
  '  ',
  '\t',
  '\n',
  '\r\n',
  '\u00a0',
  '\u2028',
  '\u3000',
  '\u0085',
  '\ufeff',
  '\u200b',
  "'",
  "'s",
  "'t",
  "'re",
  "'ve",
  "'m",
  "'ll",
  "'d",
  "'S",
  "'x",
  '1',
  '٣',
  'Ⅷ',
  '½',
  '!',
  '?',
  '...',
  '_',
  '-',
  '😀',
  '👍🏽',
  '\ud800',
  '\udfff',
  '\u0000',
];

/** Mixed-script text: CJK, Arabic, Devanagari, emoji sequences, combining marks, numbers, whitespace runs, code. */
export const MIXED_TEXTS = [
  'Hello, world! 你好，世界！ こんにちは世界 안녕하세요 세계',
  'مرحبا بالعالم — नमस्ते दुनिया — Привет, мир — Γειά σου Κόσμε ΟΔΟΣ',
  'Emoji: 😀😃😄 👩‍👩‍👧‍👦 👍🏽 🇫🇷🇯🇵 ❤️ ✌🏿 🧑🏻‍💻',
  'Combining: e\u0301 a\u0308 n\u0303 \u0915\u094d\u0937 Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334\u0319 ﬁ ﬀ',
  'Numbers: 3.14159 1,000,000 ١٢٣٤ ⅫⅦ ½ ¾ 0x1F600 2024-01-01 12:30:00 +44 (0)20 7946 0958',
  'Whitespace:   three  two\t\ttabs\n\n\nnewlines\r\n\r\ncrlf \u00a0nbsp\u3000ideographic\u2028ls    \n   end   ',
  "Contractions: I'm you're we've they'll he'd it's don't I'M YOU'RE 'tis ''quoted'' rock'n'roll",
  'Code: function f(x) { return x ** 2; } // <tag attr="v">&amp;</tag> $HOME ~/.bashrc a_b-c.d',
  'Lone surrogates: a\ud800b \udc00 x\udbff\udfffy z\ud83d',
  'Unicode spaces: a\u0085b \u0085\u0085 c\ufeff\ufeffd \u200b\u200b e\u1680f\u2000\u200a g',
  ' ',
  '',
  '\n',
  'a'.repeat(300),
  `${'🙂'.repeat(120)} ${'xyz'.repeat(50)}`,
];

/** `s` with each lone surrogate replaced by U+FFFD (String.prototype.toWellFormed). */
export function wellFormed(s: string): string {
  return s.replace(/\p{Cs}/gu, '\ufffd');
}
