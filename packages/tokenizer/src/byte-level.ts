/**
 * GPT-2's byte-level alphabet: every byte 0..255 gets a printable Unicode character, so a byte string can be written
 * as text in `tokenizer.json` (`Ġ` is the space byte 0x20, `Ċ` is `\n`). The 188 printable Latin-1 bytes stand for
 * themselves; the other 68 map to U+0100 onwards, in byte order.
 *
 * Also UTF-8 encoding of a string range, where a lone surrogate becomes U+FFFD (EF BF BD) exactly as `TextEncoder`,
 * tiktoken and Hugging Face `tokenizers` do.
 */

function isPrintableByte(b: number): boolean {
  return (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
}

/** `byteToChar[b]` is the one-character string that stands for byte `b`. */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const out: string[] = new Array(256);
  let next = 256;
  for (let b = 0; b < 256; b++) out[b] = String.fromCharCode(isPrintableByte(b) ? b : next++);
  return out;
})();

/** Code point of the byte-level character → byte value, or -1. */
export const CHAR_TO_BYTE: ReadonlyMap<number, number> = new Map(BYTE_TO_CHAR.map((c, b) => [c.charCodeAt(0), b]));

/**
 * GPT-2's order of the 256 single-byte tokens: the printable bytes first in byte order, then the others.
 * Token id `i < 256` of GPT-2 (and of every BPE tokenizer trained here) is byte `BYTE_ORDER[i]`.
 */
export const BYTE_ORDER: readonly number[] = (() => {
  const printable: number[] = [];
  const rest: number[] = [];
  for (let b = 0; b < 256; b++) (isPrintableByte(b) ? printable : rest).push(b);
  return [...printable, ...rest];
})();

/** Bytes → byte-level token string (`[0x20, 0x74]` → `Ġt`). */
export function bytesToToken(bytes: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += BYTE_TO_CHAR[bytes[i]];
  return s;
}

/** Byte-level token string → bytes, or undefined when a character is not in the byte-level alphabet. */
export function tokenToBytes(token: string): Uint8Array | undefined {
  const out = new Uint8Array(token.length);
  for (let i = 0; i < token.length; i++) {
    const b = CHAR_TO_BYTE.get(token.charCodeAt(i));
    if (b === undefined) return undefined;
    out[i] = b;
  }
  return out;
}

/**
 * UTF-8 bytes of `text[start, end)` appended to `out` from `at`; returns the new end. `out` must have room for
 * `3 * (end - start)` bytes (the most UTF-16 units can need). A lone surrogate is written as U+FFFD.
 */
export function utf8EncodeInto(text: string, start: number, end: number, out: Uint8Array, at: number): number {
  let o = at;
  for (let i = start; i < end; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      out[o++] = c;
    } else if (c < 0x800) {
      out[o++] = 0xc0 | (c >> 6);
      out[o++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < end ? text.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
        out[o++] = 0xf0 | (c >> 18);
        out[o++] = 0x80 | ((c >> 12) & 0x3f);
        out[o++] = 0x80 | ((c >> 6) & 0x3f);
        out[o++] = 0x80 | (c & 0x3f);
      } else {
        out[o++] = 0xef;
        out[o++] = 0xbf;
        out[o++] = 0xbd;
      }
    } else {
      out[o++] = 0xe0 | (c >> 12);
      out[o++] = 0x80 | ((c >> 6) & 0x3f);
      out[o++] = 0x80 | (c & 0x3f);
    }
  }
  return o;
}
