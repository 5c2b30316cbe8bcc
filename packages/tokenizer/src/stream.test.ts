import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Tokenizer } from './base.js';
import { trainBpe } from './bpe-trainer.js';
import { trainChar } from './char.js';
import { encodeFile, readTextChunks } from './encode-file.js';
import { gpt2Tokenizer } from './gpt2.js';
import { TINY_SHAKESPEARE, TRICKY } from './test-helpers.js';
import { trainWordPiece } from './wordpiece-trainer.js';

const shakespeare = readFileSync(TINY_SHAKESPEARE, 'utf8');

function concat(parts: Iterable<ArrayLike<number>>): number[] {
  const out: number[] = [];
  for (const p of parts) for (let i = 0; i < p.length; i++) out.push(p[i]);
  return out;
}

/** `text` cut at the given positions (any positions, even inside surrogate pairs or special tokens). */
function cutAt(text: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let at = 0;
  for (const p of points) {
    out.push(text.slice(at, p));
    at = p;
  }
  out.push(text.slice(at));
  return out;
}

const pieces = [...TRICKY, '<|endoftext|>', '<|endo', 'ftext|>', '[MASK]', 'Hello', ' world', 'naïve', 'e\u0301'];

function streamEqualsWhole(
  tok: Tokenizer,
  alphabet: string[],
  options: { allowedSpecial?: 'all' | 'none'; disallowedSpecial?: 'none' } = {},
) {
  fc.assert(
    fc.property(
      fc.array(fc.constantFrom(...alphabet), { maxLength: 30 }),
      fc.array(fc.nat(), { maxLength: 8 }),
      (parts, cuts) => {
        const text = parts.join('');
        const whole = Array.from(tok.encode(text, options));
        expect(concat(tok.encodeChunks(cutAt(text, cuts), options))).toEqual(whole);
      },
    ),
    { numRuns: 600 },
  );
}

describe('streaming encode (encodeChunks, startStream, encodeFile) equals encoding the whole', () => {
  it('GPT-2, cut anywhere (inside words, contractions, whitespace runs, surrogate pairs, special tokens)', () => {
    streamEqualsWhole(gpt2Tokenizer(), pieces, { allowedSpecial: 'all' });
    streamEqualsWhole(gpt2Tokenizer(), pieces, { disallowedSpecial: 'none' });
  });

  it('char', () => {
    const alphabet = pieces.filter((p) => p !== '[MASK]');
    // Joined with spaces so lone surrogates stay lone (U+FFFD); two halves may still meet in a test text, hence <unk>.
    const tok = trainChar(alphabet.join(' '), { specialTokens: ['<|endoftext|>', '<unk>'], unkToken: '<unk>' });
    streamEqualsWhole(tok, alphabet, { allowedSpecial: 'all' });
  });

  it('WordPiece', () => {
    const tok = trainWordPiece([shakespeare.slice(0, 50_000), pieces.join(' ')], { vocabSize: 800 });
    streamEqualsWhole(tok, [...pieces, 'the ', 'king', ' ', '\n']);
  });

  it('a stream with a disallowed special token fails like encode', () => {
    const tok = gpt2Tokenizer();
    expect(() => concat(tok.encodeChunks(['hi <|endo', 'ftext|> there']))).toThrow(/special token '<\|endoftext\|>'/);
  });

  it('encodeFile reads tiny Shakespeare in small chunks and gets the same ids, as Int32Array or Uint16Array', () => {
    const tok = gpt2Tokenizer();
    const whole = tok.encode(shakespeare);
    const ids = encodeFile(tok, TINY_SHAKESPEARE, { chunkBytes: 4099 });
    expect(ids).toBeInstanceOf(Int32Array);
    expect(ids).toEqual(whole);
    const small = encodeFile(tok, TINY_SHAKESPEARE, { dtype: 'uint16' });
    expect(small).toBeInstanceOf(Uint16Array);
    expect(Array.from(small)).toEqual(Array.from(whole));
    const bpe = trainBpe(shakespeare, { vocabSize: 1000 });
    expect(encodeFile(bpe, TINY_SHAKESPEARE, { chunkBytes: 1000 })).toEqual(bpe.encode(shakespeare));
  });

  it('readTextChunks never splits a character and rejects invalid UTF-8', () => {
    const chunks = [...readTextChunks(TINY_SHAKESPEARE, 7)];
    expect(chunks.join('')).toBe(shakespeare);
    expect(() => [...readTextChunks('/nonexistent/file.txt')]).toThrow(/not found/);
  });

  it('uint16 needs a vocabulary that fits', () => {
    const chars: string[] = [];
    for (let cp = 0x10000; chars.length < 70_000; cp++) chars.push(String.fromCodePoint(cp));
    const big = trainChar(chars.join(''));
    expect(big.vocabSize).toBe(70_000);
    expect(() => big.startStream({ dtype: 'uint16' })).toThrow(
      /dtype 'uint16' needs a vocabulary of at most 65,536 ids; this one has 70000/,
    );
    expect(concat(gpt2Tokenizer().encodeChunks(['x y'], { dtype: 'uint16' }))).toEqual([87, 331]);
  });

  it('encodeStream takes async byte chunks (a character split across chunks)', async () => {
    const tok = gpt2Tokenizer();
    const bytes = new TextEncoder().encode('héllo 😀 wörld');
    async function* source() {
      for (let i = 0; i < bytes.length; i += 3) yield bytes.subarray(i, i + 3);
    }
    const parts: ArrayLike<number>[] = [];
    for await (const ids of tok.encodeStream(source())) parts.push(ids);
    expect(concat(parts)).toEqual(Array.from(tok.encode('héllo 😀 wörld')));
  });
});
