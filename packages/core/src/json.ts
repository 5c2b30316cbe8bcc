/** Reading JSON a user or a stranger handed us: size-limited, depth-safe, and every failure names the file. */
import { readFileSync, statSync } from 'node:fs';
import { describeFsError, inputError, isInputFsError, runtimeError } from './errors.js';

export const DEFAULT_MAX_JSON_BYTES = 100 * 1024 * 1024;

/**
 * The deepest nesting of arrays and objects accepted (serde_json, which Hugging Face's loaders use, stops at 128).
 * V8 parses far deeper documents, but every later recursive walk (JSON.stringify in a message, structuredClone)
 * would then overflow the stack, so depth is refused up front.
 */
export const MAX_JSON_DEPTH = 128;

export interface ReadJsonOptions {
  /** Refuse files larger than this many bytes (default 100 MB). */
  maxBytes?: number;
  /** Refuse nesting deeper than this (default MAX_JSON_DEPTH). */
  maxDepth?: number;
}

/** Parses `text`; `what` names the source in errors (a path, or "--config"). */
export function parseJson(text: string, what: string, maxDepth = MAX_JSON_DEPTH): unknown {
  const depth = jsonDepthOver(text, maxDepth);
  if (depth >= 0) throw inputError(`${what}: JSON is nested more than ${maxDepth} levels deep (at character ${depth})`);
  try {
    return JSON.parse(text);
  } catch (err) {
    if (err instanceof RangeError) throw inputError(`${what}: JSON is nested too deeply`, err);
    const detail = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ');
    throw inputError(`${what}: not valid JSON (${detail.length > 200 ? `${detail.slice(0, 200)}…` : detail})`, err);
  }
}

/** Offset of the first bracket that opens nesting deeper than `maxDepth` (strings skipped), or -1. */
function jsonDepthOver(text: string, maxDepth: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return i;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return -1;
}

/** A value from an untrusted file, quoted for a one-line message: JSON, cut to `max` characters, never throwing. */
export function quoteJson(value: unknown, max = 60): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Array.isArray(value) ? '[…]' : typeof value === 'object' ? '{…}' : String(value);
  }
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export function readJsonFile(path: string, options: ReadJsonOptions = {}): unknown {
  return parseJson(readTextFile(path, options.maxBytes ?? DEFAULT_MAX_JSON_BYTES), path, options.maxDepth);
}

/** Reads a UTF-8 text file with a size limit checked before reading; invalid UTF-8 is an error. */
export function readTextFile(path: string, maxBytes = Number.POSITIVE_INFINITY): string {
  let bytes: Buffer;
  try {
    const size = statSync(path).size;
    if (size > maxBytes) throw inputError(`${path}: file is ${size} bytes, more than the ${maxBytes} allowed`);
    bytes = readFileSync(path);
  } catch (err) {
    if (err instanceof Error && err.name === 'SelfsupError') throw err;
    if (isInputFsError(err)) throw inputError(`${path}: ${describeFsError(err)}`, err);
    throw runtimeError(`cannot read ${path}: ${describeFsError(err)}`, err);
  }
  return decodeUtf8(bytes, path);
}

const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/** Strict UTF-8 decoding; the error names the file and the byte offset of the first invalid sequence. */
export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    throw inputError(`${what}: not valid UTF-8 (first invalid byte at offset ${firstInvalidUtf8Offset(bytes)})`);
  }
}

/** Offset of the first byte that starts an invalid UTF-8 sequence, or -1 when the bytes are valid. */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let len: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) {
      len = 2;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      len = 3;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      len = 4;
      min = 0x10000;
    } else return i;
    if (i + len > n) return i;
    let cp = b & (0xff >> (len + 1));
    for (let k = 1; k < len; k++) {
      const c = bytes[i + k];
      if ((c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += len;
  }
  return -1;
}
