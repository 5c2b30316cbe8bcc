/**
 * Encoding a file of any size, chunk by chunk: bytes are read in pieces (1 MiB by default), decoded as strict
 * UTF-8 across piece boundaries, and fed to the tokenizer's streaming encoder. Only one piece of text is held at a
 * time; the ids collect in one growing typed array.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { describeFsError, inputError, isInputFsError, runtimeError } from '@selfsup/core';
import type { StreamOptions, Tokenizer } from './base.js';

export interface EncodeFileOptions extends StreamOptions {
  /** Bytes read at a time (default 1 MiB). */
  chunkBytes?: number;
}

/** The UTF-8 text of a file, in pieces of about `chunkBytes` bytes (a character is never split). */
export function* readTextChunks(path: string, chunkBytes = 1 << 20): Generator<string> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if (isInputFsError(err)) throw inputError(`${path}: ${describeFsError(err)}`, err);
    throw runtimeError(`cannot read ${path}: ${describeFsError(err)}`, err);
  }
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const buffer = new Uint8Array(Math.max(4, chunkBytes));
  let offset = 0;
  try {
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buffer, 0, buffer.length, null);
      } catch (err) {
        if (isInputFsError(err)) throw inputError(`${path}: ${describeFsError(err)}`, err);
        throw runtimeError(`cannot read ${path}: ${describeFsError(err)}`, err);
      }
      let text: string;
      try {
        text = decoder.decode(buffer.subarray(0, n), { stream: n > 0 });
      } catch (err) {
        throw inputError(`${path}: not valid UTF-8 (near byte ${offset})`, err);
      }
      offset += n;
      if (text.length > 0) yield text;
      if (n === 0) return;
    }
  } finally {
    closeSync(fd);
  }
}

/** All ids of a file's text, as `Int32Array` (or `Uint16Array` with `dtype: 'uint16'`). */
export function encodeFile(
  tokenizer: Tokenizer,
  path: string,
  options: EncodeFileOptions & { dtype?: 'int32' },
): Int32Array;
export function encodeFile(
  tokenizer: Tokenizer,
  path: string,
  options: EncodeFileOptions & { dtype: 'uint16' },
): Uint16Array;
export function encodeFile(tokenizer: Tokenizer, path: string, options?: EncodeFileOptions): Int32Array | Uint16Array;
export function encodeFile(
  tokenizer: Tokenizer,
  path: string,
  options: EncodeFileOptions = {},
): Int32Array | Uint16Array {
  const uint16 = options.dtype === 'uint16';
  let out: Int32Array | Uint16Array = uint16 ? new Uint16Array(1 << 16) : new Int32Array(1 << 16);
  let n = 0;
  const stream = tokenizer.startStream(options);
  const append = (ids: Int32Array | Uint16Array) => {
    if (n + ids.length > out.length) {
      const grown: Int32Array | Uint16Array = uint16
        ? new Uint16Array(Math.max(n + ids.length, out.length * 2))
        : new Int32Array(Math.max(n + ids.length, out.length * 2));
      grown.set(out.subarray(0, n));
      out = grown;
    }
    out.set(ids, n);
    n += ids.length;
  };
  for (const text of readTextChunks(path, options.chunkBytes)) append(stream.push(text));
  append(stream.end());
  return out.slice(0, n);
}
