import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SelfsupError } from './errors.js';
import { decodeUtf8, firstInvalidUtf8Offset, parseJson, readJsonFile } from './json.js';

describe('guarded JSON and UTF-8', () => {
  it('names the source of bad JSON', () => {
    expect(() => parseJson('{"a":', 'conf.json')).toThrow(/conf\.json: not valid JSON/);
  });

  it('turns stack-overflowing nesting into a SelfsupError', () => {
    const deep = '['.repeat(1_000_000) + ']'.repeat(1_000_000);
    let err: unknown;
    try {
      parseJson(deep, 'deep.json');
    } catch (e) {
      err = e;
    }
    // V8 parses deep arrays iteratively; either it succeeds or it fails with our error, never a raw RangeError.
    if (err !== undefined) expect(err).toBeInstanceOf(SelfsupError);
  });

  it('refuses files over the size limit before reading them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'selfsup-json-'));
    const file = join(dir, 'big.json');
    writeFileSync(file, JSON.stringify({ a: 'x'.repeat(1000) }));
    expect(() => readJsonFile(file, { maxBytes: 100 })).toThrow(/more than the 100 allowed/);
    expect(() => readJsonFile(join(dir, 'missing.json'))).toThrow(/missing\.json: not found/);
    expect(() => readJsonFile(dir)).toThrow(SelfsupError);
  });

  it('finds the first invalid UTF-8 byte', () => {
    expect(firstInvalidUtf8Offset(new TextEncoder().encode('héllo 世界 🙂'))).toBe(-1);
    expect(firstInvalidUtf8Offset(Uint8Array.from([0x61, 0x62, 0xff, 0x63]))).toBe(2);
    expect(firstInvalidUtf8Offset(Uint8Array.from([0x61, 0xe4, 0xb8]))).toBe(1); // truncated 3-byte sequence
    expect(firstInvalidUtf8Offset(Uint8Array.from([0xc0, 0x80]))).toBe(0); // overlong
    expect(firstInvalidUtf8Offset(Uint8Array.from([0xed, 0xa0, 0x80]))).toBe(0); // surrogate
    expect(() => decodeUtf8(Uint8Array.from([0x61, 0xff]), 'a.txt')).toThrow(
      'a.txt: not valid UTF-8 (first invalid byte at offset 1)',
    );
  });
});
