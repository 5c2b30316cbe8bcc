/**
 * GPT-2's pre-tokenizer as a hand-written scanner. It splits text exactly as tiktoken applies the regex
 *
 *   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 *
 * (tests prove it against the regex on tiny Shakespeare and on random strings), without a regex engine: one
 * pass over UTF-16 code units, a table for ASCII and a lazily filled table for the rest of the BMP.
 *
 * Character classes: letter (\p{L}), number (\p{N}), space (\s as tiktoken's Rust regex sees it: Unicode
 * White_Space, so U+0085 is a space and U+FEFF is not, unlike JavaScript's \s) and other. A lone surrogate is
 * "other", as the U+FFFD it becomes in UTF-8.
 */

/** The pattern as tiktoken and Hugging Face write it (for documentation and `tokenizer.json`). */
export const GPT2_SPLIT_PATTERN = String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`;

/** The same pattern for JavaScript, with `\s` spelled as Unicode White_Space so it agrees with tiktoken. */
export const GPT2_SPLIT_REGEX = new RegExp(
  GPT2_SPLIT_PATTERN.replaceAll(String.raw`\s`, String.raw`\p{White_Space}`).replaceAll(
    String.raw`\S`,
    String.raw`\P{White_Space}`,
  ),
  'gu',
);

export const OTHER = 0;
export const LETTER = 1;
export const NUMBER = 2;
export const SPACE = 3;

const LETTER_RE = /\p{L}/u;
const NUMBER_RE = /\p{N}/u;
const SPACE_RE = /\p{White_Space}/u;

function classifyCodePoint(cp: number): number {
  const ch = String.fromCodePoint(cp);
  if (LETTER_RE.test(ch)) return LETTER;
  if (NUMBER_RE.test(ch)) return NUMBER;
  if (SPACE_RE.test(ch)) return SPACE;
  return OTHER;
}

/** Class + 1 for each BMP code unit; 0 = not computed yet. Surrogates are OTHER here (pairs are handled apart). */
const BMP = new Uint8Array(65536);
for (let c = 0; c < 128; c++) BMP[c] = classifyCodePoint(c) + 1;
for (let c = 0xd800; c <= 0xdfff; c++) BMP[c] = OTHER + 1;
const ASTRAL = new Map<number, number>();

/** The class of the code point at `i` (before `end`), plus 4 when it takes two code units (a surrogate pair). */
export function classAt(text: string, i: number, end: number): number {
  const c = text.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
    const d = text.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) {
      const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
      let k = ASTRAL.get(cp);
      if (k === undefined) {
        k = classifyCodePoint(cp);
        ASTRAL.set(cp, k);
      }
      return k | 4;
    }
  }
  const k = BMP[c];
  if (k !== 0) return k - 1;
  const computed = classifyCodePoint(c);
  BMP[c] = computed + 1;
  return computed;
}

function runEnd(text: string, m: number, end: number, cls: number): number {
  while (m < end) {
    const c = text.charCodeAt(m);
    if (c < 128) {
      if (BMP[c] - 1 !== cls) break;
      m++;
      continue;
    }
    const k = classAt(text, m, end);
    if ((k & 3) !== cls) break;
    m += k & 4 ? 2 : 1;
  }
  return m;
}

/**
 * End of the pre-token that starts at `i`, treating `end` as the end of the text (as the regex would see
 * `text.slice(start, end)`); `i < end`.
 */
export function gpt2PreTokenEnd(text: string, i: number, end: number): number {
  const c = text.charCodeAt(i);
  if (c === 0x27 && i + 1 < end) {
    // 's 't 'm 'd  /  're 've 'll
    const d = text.charCodeAt(i + 1);
    if (d === 0x73 || d === 0x74 || d === 0x6d || d === 0x64) return i + 2;
    if (i + 2 < end) {
      const e = text.charCodeAt(i + 2);
      if ((e === 0x65 && (d === 0x72 || d === 0x76)) || (d === 0x6c && e === 0x6c)) return i + 3;
    }
  }
  let j = i;
  let k = c < 128 ? BMP[c] - 1 : classAt(text, i, end);
  if (c === 0x20 && i + 1 < end) {
    // ` ?X+`: a single leading space joins a run of letters, numbers or others.
    const c2 = text.charCodeAt(i + 1);
    const k2 = c2 < 128 ? BMP[c2] - 1 : classAt(text, i + 1, end);
    if ((k2 & 3) !== SPACE) {
      j = i + 1;
      k = k2;
    }
  }
  const cls = k & 3;
  if (cls === SPACE) {
    // `\s+(?!\S)|\s+`: a run of spaces, less its last one when a non-space follows (that one leads the next token).
    const m = runEnd(text, i + 1, end, SPACE);
    return m === end || m - i === 1 ? m : m - 1;
  }
  return runEnd(text, j + (k & 4 ? 2 : 1), end, cls);
}

/** The pre-tokens of `text` as strings (for tests and tools; the encoder uses `gpt2PreTokenEnd` directly). */
export function gpt2PreTokenize(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; ) {
    const j = gpt2PreTokenEnd(text, i, text.length);
    out.push(text.slice(i, j));
    i = j;
  }
  return out;
}
