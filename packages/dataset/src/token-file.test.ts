import { mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SelfsupError } from '@selfsup/core';
import { describe, expect, it } from 'vitest';
import { openTokenFile, TOKEN_FILE_MAGIC, writeTokenFile } from './token-file.js';

/** Runs an in-place edit of a buffer and returns it. */
function patch(b: Buffer, edit: () => unknown): Buffer {
  edit();
  return b;
}

const dir = () => mkdtempSync(join(tmpdir(), 'selfsup-tokfile-'));

describe('token files', () => {
  it('writes the documented layout: a 1024-byte int32 header, then little-endian uint16 ids', () => {
    const d = dir();
    const path = join(d, 'train.bin');
    writeTokenFile(path, [0, 1, 64, 300], { vocabSize: 65536 });
    const bytes = readFileSync(path);
    expect(bytes.length).toBe(1024 + 4 * 2);
    expect(bytes.readInt32LE(0)).toBe(20240520);
    expect(bytes.readInt32LE(4)).toBe(1);
    expect(bytes.readInt32LE(8)).toBe(4);
    expect(bytes.readInt32LE(12)).toBe(2);
    expect(bytes.readInt32LE(16)).toBe(65536);
    for (let i = 20; i < 1024; i++) expect(bytes[i]).toBe(0);
    expect([
      bytes.readUInt16LE(1024),
      bytes.readUInt16LE(1026),
      bytes.readUInt16LE(1028),
      bytes.readUInt16LE(1030),
    ]).toEqual([0, 1, 64, 300]);
    expect(readdirSync(d)).toEqual(['train.bin']); // no temporary left behind
  });

  it('uses uint32 when the vocabulary does not fit in 16 bits, and round-trips', () => {
    const path = join(dir(), 'val.bin');
    const ids = Int32Array.from({ length: 1000 }, (_, i) => (i * 7919) % 100_000);
    writeTokenFile(path, ids, { vocabSize: 100_000 });
    const file = openTokenFile(path);
    expect(file.bytesPerToken).toBe(4);
    expect(file.tokens).toBeInstanceOf(Uint32Array);
    expect(file.vocabSize).toBe(100_000);
    expect(Array.from(file.tokens)).toEqual(Array.from(ids));
    const small = join(dir(), 's.bin');
    writeTokenFile(small, [3, 2, 1], { vocabSize: 65 });
    const s = openTokenFile(small);
    expect(s.tokens).toBeInstanceOf(Uint16Array);
    expect(s.tokens.byteOffset).toBe(0); // a view of one buffer, not a copy into JS numbers
    expect(Array.from(s.tokens)).toEqual([3, 2, 1]);
    expect(s.count).toBe(3);
  });

  it('refuses ids outside the vocabulary when writing', () => {
    const path = join(dir(), 'x.bin');
    expect(() => writeTokenFile(path, [1, 65], { vocabSize: 65 })).toThrow(/token 65 at position 1/);
    expect(() => writeTokenFile(path, [1, -1], { vocabSize: 65 })).toThrow(/token -1/);
    expect(() => writeTokenFile(path, [1.5], { vocabSize: 65 })).toThrow(/token 1.5/);
  });

  it('validates magic, version, token size and length on reading', () => {
    const d = dir();
    const good = join(d, 'good.bin');
    writeTokenFile(good, [1, 2, 3, 4], { vocabSize: 10 });
    const variant = (name: string, edit: (b: Buffer) => Buffer) => {
      const p = join(d, name);
      writeFileSync(p, edit(Buffer.from(readFileSync(good))));
      return p;
    };
    const err = (p: string) => {
      try {
        openTokenFile(p);
      } catch (e) {
        expect(e).toBeInstanceOf(SelfsupError);
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(err(variant('magic.bin', (b) => patch(b, () => b.writeInt32LE(12345, 0))))).toMatch(
      /magic.bin: not a token file \(magic number 12345, expected 20240520\)/,
    );
    expect(err(variant('version.bin', (b) => patch(b, () => b.writeInt32LE(7, 4))))).toMatch(
      /version 7 is not supported/,
    );
    expect(err(variant('size.bin', (b) => patch(b, () => b.writeInt32LE(3, 12))))).toMatch(/bytes per token is 3/);
    expect(err(variant('short.bin', (b) => b.subarray(0, b.length - 1)))).toMatch(
      /short.bin: truncated: the header says 4 tokens of 2 bytes \(1032 bytes\), the file has 1031/,
    );
    expect(err(variant('long.bin', (b) => Buffer.concat([b, Buffer.alloc(2)])))).toMatch(/longer than its header says/);
    expect(err(variant('tiny.bin', (b) => b.subarray(0, 100)))).toMatch(/shorter than the 1024-byte header/);
    expect(err(variant('badid.bin', (b) => patch(b, () => b.writeUInt16LE(10, 1024 + 2))))).toMatch(
      /token 10 at position 1 is not below the vocabulary size 10/,
    );
    expect(err(join(d, 'missing.bin'))).toMatch(/missing.bin: not found/);
    const truncated = variant('trunc.bin', (b) => b);
    truncateSync(truncated, 1024 + 2);
    expect(err(truncated)).toMatch(/truncated/);
  });

  it('checks ids against the tokenizer the caller uses', () => {
    const path = join(dir(), 'v.bin');
    writeTokenFile(path, [1, 40], { vocabSize: 50 });
    expect(() => openTokenFile(path, { vocabSize: 65 })).not.toThrow();
    expect(() => openTokenFile(path, { vocabSize: 45 })).toThrow(
      /made for a vocabulary of 50, but the tokenizer has 45/,
    );
  });

  it('reads an llm.c file (bytes-per-token slot 0 means uint16)', () => {
    const header = new Int32Array(256);
    header[0] = TOKEN_FILE_MAGIC;
    header[1] = 1;
    header[2] = 3;
    const path = join(dir(), 'llmc.bin');
    writeFileSync(
      path,
      Buffer.concat([Buffer.from(header.buffer), Buffer.from(Uint16Array.from([50256, 15496, 11]).buffer)]),
    );
    const file = openTokenFile(path);
    expect(file.bytesPerToken).toBe(2);
    expect(file.vocabSize).toBe(0);
    expect(Array.from(file.tokens)).toEqual([50256, 15496, 11]);
    expect(() => openTokenFile(path, { vocabSize: 50257 })).not.toThrow();
    expect(() => openTokenFile(path, { vocabSize: 50000 })).toThrow(/token 50256 at position 0/);
  });
});
