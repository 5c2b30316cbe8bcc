/**
 * Fuzzing the readers of untrusted data files: token files (`train.bin`, `val.bin`) and a prepared folder's
 * `meta.json`. Random bytes, hostile headers, every truncation, bit flips, huge declared counts, ids past the
 * vocabulary, and file names in meta.json that try to leave the folder. Each case ends in success or a SelfsupError;
 * on success every id is below the vocabulary size.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fuzzParams, hostileJsonValue, jsonPaths, mutatedBytes, outcome, withField } from '@selfsup/core/testing';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareData } from './prepare.js';
import { openPreparedData } from './prepared-folder.js';
import {
  encodeTokenFile,
  openTokenFile,
  TOKEN_FILE_HEADER_BYTES,
  TOKEN_FILE_MAGIC,
  type TokenFile,
} from './token-file.js';

const dir = mkdtempSync(join(tmpdir(), 'selfsup-tokenfile-fuzz-'));
let counter = 0;

function writeCase(bytes: Uint8Array): string {
  const path = join(dir, `case-${counter++ % 8}.bin`);
  rmSync(path, { force: true }); // a new file: overwriting one in place is slow on some file systems
  writeFileSync(path, bytes);
  return path;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

function checkFile(label: string, file: TokenFile, vocabSize: number | undefined): void {
  expect(file.tokens.length, label).toBe(file.count);
  const limit = Math.min(vocabSize ?? Number.POSITIVE_INFINITY, file.vocabSize || Number.POSITIVE_INFINITY);
  for (const id of file.tokens) if (!(id < limit)) throw new Error(`${label}: id ${id} passed, limit ${limit}`);
}

function openCase(label: string, bytes: Uint8Array, vocabSize?: number): void {
  const path = writeCase(bytes);
  const r = outcome(label, () => openTokenFile(path, vocabSize === undefined ? {} : { vocabSize }));
  if (r.ok) checkFile(label, r.value, vocabSize);
  else expect(r.error.message, label).toContain(path);
}

const VALID = concat(
  encodeTokenFile(
    Array.from({ length: 40 }, (_, i) => (i * 7) % 50),
    50,
  ),
);
const VALID32 = concat(
  encodeTokenFile(
    Array.from({ length: 10 }, (_, i) => i * 9000),
    100_000,
  ),
);

function header(fields: number[], dataBytes: number): Uint8Array {
  const h = new Int32Array(TOKEN_FILE_HEADER_BYTES / 4);
  fields.forEach((v, i) => {
    h[i] = v;
  });
  return concat([new Uint8Array(h.buffer), new Uint8Array(dataBytes).fill(0xff)]);
}

describe('token files under fuzzing', () => {
  it('the valid files open', () => {
    expect(openTokenFile(writeCase(VALID), { vocabSize: 50 }).count).toBe(40);
    expect(openTokenFile(writeCase(VALID32)).bytesPerToken).toBe(4);
  });

  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1200 }), fc.option(fc.integer({ min: 1, max: 70_000 })), (bytes, vocab) =>
        openCase('random bytes', bytes, vocab ?? undefined),
      ),
      fuzzParams(1500),
    );
  });

  it('hostile headers with random data lengths', () => {
    const field = fc.oneof(
      fc.integer({ min: -3, max: 70_000 }),
      fc.constantFrom(0x7fffffff, -0x80000000, 2, 4, 0, 1, TOKEN_FILE_MAGIC),
      fc.integer({ min: -0x80000000, max: 0x7fffffff }),
    );
    fc.assert(
      fc.property(
        fc.tuple(
          fc.constantFrom(TOKEN_FILE_MAGIC, TOKEN_FILE_MAGIC, 0, 1),
          fc.constantFrom(1, 1, 0, 2),
          field,
          fc.constantFrom(0, 2, 4, 3, -2),
          field,
        ),
        fc.nat(300),
        fc.option(fc.integer({ min: 1, max: 70_000 })),
        (fields, dataBytes, vocab) =>
          openCase(`header ${fields} + ${dataBytes} bytes`, header(fields, dataBytes), vocab ?? undefined),
      ),
      fuzzParams(2000),
    );
  });

  it('a truncation at every offset of a valid file', () => {
    for (const valid of [VALID, VALID32]) {
      for (let n = 0; n < valid.length; n++) {
        const path = writeCase(valid.subarray(0, n));
        const r = outcome(`truncated at ${n}`, () => openTokenFile(path));
        expect(r.ok, `truncated at ${n}`).toBe(false);
      }
    }
  });

  it('bit flips and edits of a valid file', () => {
    fc.assert(
      fc.property(mutatedBytes(VALID), fc.constantFrom(undefined, 50, 10), ({ label, bytes }, vocab) =>
        openCase(label, bytes, vocab),
      ),
      fuzzParams(1500),
    );
  });

  it('huge declared counts and ids past the vocabulary are refused before the data is read', () => {
    const cases: [string, Uint8Array, number?][] = [
      ['2^31 - 1 tokens of 4 bytes', header([TOKEN_FILE_MAGIC, 1, 0x7fffffff, 4, 0], 16)],
      ['2^31 - 1 tokens of 2 bytes', header([TOKEN_FILE_MAGIC, 1, 0x7fffffff, 2, 0], 16)],
      ['negative count', header([TOKEN_FILE_MAGIC, 1, -1, 2, 0], 0)],
      ['id 65535 in a vocabulary of 50', header([TOKEN_FILE_MAGIC, 1, 8, 2, 50], 16)],
      ['id 65535 for a tokenizer of 50', header([TOKEN_FILE_MAGIC, 1, 8, 2, 0], 16), 50],
      ['made for a larger vocabulary', header([TOKEN_FILE_MAGIC, 1, 0, 2, 60_000], 0), 50],
    ];
    for (const [label, bytes, vocab] of cases) {
      const path = writeCase(bytes);
      const r = outcome(label, () => openTokenFile(path, vocab === undefined ? {} : { vocabSize: vocab }), {
        maxArrayBufferGrowth: 1 << 20,
      });
      expect(r.ok, label).toBe(false);
    }
  });

  it('a folder, a missing file and an empty file are named in the error', () => {
    const empty = writeCase(new Uint8Array(0));
    for (const path of [dir, join(dir, 'missing.bin'), empty]) {
      const r = outcome(path, () => openTokenFile(path));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.message).toContain(path);
    }
  });
});

describe('a prepared folder’s meta.json under fuzzing', () => {
  let folder: string;
  let meta: Record<string, unknown>;

  beforeAll(async () => {
    folder = join(dir, 'prepared');
    const corpus = join(dir, 'corpus.txt');
    writeFileSync(corpus, 'the cat sat on the mat.\nthe dog sat on the log.\n'.repeat(20));
    await prepareData({ source: corpus, tokenizer: 'char', outDir: folder });
    meta = JSON.parse(readFileSync(join(folder, 'meta.json'), 'utf8'));
  });

  const writeMeta = (value: unknown) => {
    rmSync(join(folder, 'meta.json'), { force: true });
    writeFileSync(join(folder, 'meta.json'), JSON.stringify(value));
  };

  it('a hostile value at a random field', () => {
    const paths = jsonPaths(meta);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...paths), fc.oneof(hostileJsonValue(), fc.constant(undefined))), {
          minLength: 1,
          maxLength: 3,
        }),
        (edits) => {
          let m: unknown = meta;
          for (const [path, value] of edits) m = withField(m, path, value);
          writeMeta(m);
          const r = outcome(`meta ${JSON.stringify(edits)}`, () => openPreparedData(folder));
          if (r.ok) {
            expect(r.value.train.count + r.value.val.count).toBeGreaterThan(0);
            for (const f of [r.value.train, r.value.val]) checkFile('prepared', f, r.value.tokenizer.vocabSize);
          }
        },
      ),
      fuzzParams(600),
    );
    writeMeta(meta);
  });

  it('file names in meta.json cannot point outside the folder', () => {
    // A valid tokenizer and token file one level up: reading them would succeed if the names were followed.
    const outside = join(dir, 'outside');
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, 'tokenizer.json'), readFileSync(join(folder, 'tokenizer.json')));
    writeFileSync(join(outside, 'train.bin'), readFileSync(join(folder, 'train.bin')));
    for (const [field, name] of [
      ['tokenizer', '../outside/tokenizer.json'],
      ['train', '../outside/train.bin'],
      ['train', join(outside, 'train.bin')],
      ['val', 'sub/../../outside/train.bin'],
      ['tokenizer', ''],
      ['tokenizer', '.'],
    ] as const) {
      writeMeta(withField(meta, ['files', field], name));
      const r = outcome(`files.${field} = ${name}`, () => openPreparedData(folder));
      expect(r.ok, `files.${field} = ${name}`).toBe(false);
      if (!r.ok) expect(r.error.message).toMatch(/meta\.json/);
    }
    writeMeta(meta);
    expect(openPreparedData(folder).train.count).toBeGreaterThan(0);
  });
});
