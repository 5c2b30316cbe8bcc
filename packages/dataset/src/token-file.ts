/**
 * Token files (`train.bin`, `val.bin`), nanoGPT / llm.c style: a 1024-byte header of 256 little-endian int32s, then
 * the ids as little-endian uint16 (when the vocabulary fits) or uint32.
 *
 *   header[0] = 20240520 (magic)     header[1] = 1 (version)       header[2] = token count
 *   header[3] = bytes per token (2 | 4; 0 in files written by llm.c, meaning 2)
 *   header[4] = vocabulary size (0 when unknown), so ids can be checked against it when the file is opened
 *
 * An llm.c `.bin` file (magic 20240520, version 1, uint16) reads unchanged. The file is read into one buffer and
 * viewed as a typed array; no id is ever turned into a JS array element.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import { describeFsError, inputError, isInputFsError, runtimeError, writeFileAtomicSync } from '@selfsup/core';

export const TOKEN_FILE_MAGIC = 20240520;
export const TOKEN_FILE_VERSION = 1;
export const TOKEN_FILE_HEADER_BYTES = 1024;
const HEADER_INTS = TOKEN_FILE_HEADER_BYTES / 4;
const MAX_TOKENS = 0x7fffffff;
const LITTLE_ENDIAN = endianness() === 'LE';

/** Token ids as stored: uint16 or uint32 (also accepted on input: Int32Array, number[]). */
export type TokenArray = Uint16Array | Uint32Array;

export interface TokenFile {
  path: string;
  /** A view of the ids (no copy of the file's data region). */
  tokens: TokenArray;
  /** Number of tokens (`tokens.length`). */
  count: number;
  bytesPerToken: 2 | 4;
  /** Vocabulary size from the header; 0 when the writer did not record it (llm.c files). */
  vocabSize: number;
  version: number;
}

export interface WriteTokenFileOptions {
  /** Vocabulary size: chooses uint16 (≤ 65,536) or uint32, is stored in the header, and every id must be below it. */
  vocabSize: number;
  /** Create the parent folder when it is missing (default false). */
  mkdir?: boolean;
  /** fsync before the rename (default true). */
  fsync?: boolean;
}

/** The bytes per token a vocabulary needs: 2 when every id fits in uint16, else 4. */
export function bytesPerTokenFor(vocabSize: number): 2 | 4 {
  return vocabSize <= 65536 ? 2 : 4;
}

/** Encodes ids into the token-file byte layout (header + data); throws on an id outside `[0, vocabSize)`. */
export function encodeTokenFile(ids: ArrayLike<number>, vocabSize: number): [Uint8Array, Uint8Array] {
  if (!Number.isInteger(vocabSize) || vocabSize < 1 || vocabSize > 0xffffffff) {
    throw inputError(`vocabSize must be an integer between 1 and 2^32, got ${vocabSize}`);
  }
  const count = ids.length;
  if (count > MAX_TOKENS) throw inputError(`a token file holds at most ${MAX_TOKENS} tokens, got ${count}`);
  const bytes = bytesPerTokenFor(vocabSize);
  const data = bytes === 2 ? new Uint16Array(count) : new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const id = ids[i];
    if (!(id >= 0 && id < vocabSize) || !Number.isInteger(id)) {
      throw inputError(`token ${id} at position ${i} is not an id of a vocabulary of ${vocabSize}`);
    }
    data[i] = id;
  }
  const header = new Int32Array(HEADER_INTS);
  header[0] = TOKEN_FILE_MAGIC;
  header[1] = TOKEN_FILE_VERSION;
  header[2] = count;
  header[3] = bytes;
  header[4] = vocabSize >= 2 ** 31 ? 0 : vocabSize;
  const headerBytes = new Uint8Array(header.buffer);
  const dataBytes = new Uint8Array(data.buffer);
  if (!LITTLE_ENDIAN) {
    swapBytes(headerBytes, 4);
    swapBytes(dataBytes, bytes);
  }
  return [headerBytes, dataBytes];
}

/** Writes a token file atomically (temporary name, fsync, rename): a crash leaves the old file or the new one. */
export function writeTokenFile(path: string, ids: ArrayLike<number>, options: WriteTokenFileOptions): void {
  const chunks = encodeTokenFile(ids, options.vocabSize);
  writeFileAtomicSync(path, chunks, { mkdir: options.mkdir ?? false, fsync: options.fsync ?? true });
}

export interface OpenTokenFileOptions {
  /**
   * Check every id against this vocabulary size (the tokenizer's), in addition to the header's own. A file made with
   * another tokenizer is refused here instead of indexing past an embedding table later.
   */
  vocabSize?: number;
  /** Scan the ids against the vocabulary size (default true; about a millisecond per million tokens). */
  validateIds?: boolean;
}

/** Reads and validates a token file: magic, version, token size, length on disk, and ids below the vocabulary size. */
export function openTokenFile(path: string, options: OpenTokenFileOptions = {}): TokenFile {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if (isInputFsError(err)) throw inputError(`${path}: ${describeFsError(err)}`, err);
    throw runtimeError(`cannot read ${path}: ${describeFsError(err)}`, err);
  }
  try {
    const size = fstatSync(fd).size;
    if (size < TOKEN_FILE_HEADER_BYTES) {
      throw inputError(
        `${path}: not a token file (${size} bytes, shorter than the ${TOKEN_FILE_HEADER_BYTES}-byte header)`,
      );
    }
    const headerBytes = new Uint8Array(TOKEN_FILE_HEADER_BYTES);
    readFully(fd, headerBytes, 0, path);
    const view = new DataView(headerBytes.buffer);
    const magic = view.getInt32(0, true);
    const version = view.getInt32(4, true);
    const count = view.getInt32(8, true);
    const rawBytes = view.getInt32(12, true);
    const headerVocab = view.getInt32(16, true);
    if (magic !== TOKEN_FILE_MAGIC)
      throw inputError(`${path}: not a token file (magic number ${magic}, expected ${TOKEN_FILE_MAGIC})`);
    if (version !== TOKEN_FILE_VERSION)
      throw inputError(`${path}: token file version ${version} is not supported (expected ${TOKEN_FILE_VERSION})`);
    if (rawBytes !== 0 && rawBytes !== 2 && rawBytes !== 4)
      throw inputError(`${path}: bytes per token is ${rawBytes}, expected 2 or 4`);
    if (count < 0) throw inputError(`${path}: negative token count ${count} in the header`);
    if (headerVocab < 0) throw inputError(`${path}: negative vocabulary size ${headerVocab} in the header`);
    const bytes: 2 | 4 = rawBytes === 4 ? 4 : 2;
    const expected = TOKEN_FILE_HEADER_BYTES + count * bytes;
    if (size !== expected) {
      const what = size < expected ? 'truncated' : 'longer than its header says';
      throw inputError(
        `${path}: ${what}: the header says ${count} tokens of ${bytes} bytes (${expected} bytes), the file has ${size}`,
      );
    }
    const data = new Uint8Array(count * bytes);
    readFully(fd, data, TOKEN_FILE_HEADER_BYTES, path);
    if (!LITTLE_ENDIAN) swapBytes(data, bytes);
    const tokens: TokenArray = bytes === 2 ? new Uint16Array(data.buffer) : new Uint32Array(data.buffer);
    const file: TokenFile = { path, tokens, count, bytesPerToken: bytes, vocabSize: headerVocab, version };
    if (options.validateIds ?? true) validateTokenIds(file, options.vocabSize);
    return file;
  } finally {
    closeSync(fd);
  }
}

function validateTokenIds(file: TokenFile, vocabSize: number | undefined): void {
  if (vocabSize !== undefined && file.vocabSize !== 0 && file.vocabSize > vocabSize) {
    throw inputError(`${file.path}: made for a vocabulary of ${file.vocabSize}, but the tokenizer has ${vocabSize}`);
  }
  const limit = Math.min(vocabSize ?? Number.POSITIVE_INFINITY, file.vocabSize || Number.POSITIVE_INFINITY);
  if (!Number.isFinite(limit)) return;
  const at = firstIdAtOrAbove(file.tokens, limit);
  if (at >= 0) {
    throw inputError(
      `${file.path}: token ${file.tokens[at]} at position ${at} is not below the vocabulary size ${limit}`,
    );
  }
}

/** Position of the first id ≥ `limit`, or -1. */
export function firstIdAtOrAbove(tokens: ArrayLike<number>, limit: number): number {
  let max = 0;
  const n = tokens.length;
  // A branch-free running max is much faster than an early exit; find the position only when the file is bad.
  for (let i = 0; i < n; i++) {
    const t = tokens[i];
    if (t > max) max = t;
  }
  if (max < limit) return -1;
  for (let i = 0; i < n; i++) if (tokens[i] >= limit) return i;
  return -1;
}

function readFully(fd: number, into: Uint8Array, position: number, path: string): void {
  let done = 0;
  while (done < into.length) {
    let n: number;
    try {
      n = readSync(fd, into, done, Math.min(into.length - done, 1 << 30), position + done);
    } catch (err) {
      throw runtimeError(`cannot read ${path}: ${describeFsError(err)}`, err);
    }
    if (n === 0) throw inputError(`${path}: truncated while reading (got ${done} of ${into.length} bytes)`);
    done += n;
  }
}

function swapBytes(bytes: Uint8Array, width: number): void {
  for (let i = 0; i + width <= bytes.length; i += width) bytes.subarray(i, i + width).reverse();
}
