import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { encode as gptTokenizerEncode } from 'gpt-tokenizer/encoding/r50k_base';
import { Tiktoken as JsTiktoken } from 'js-tiktoken/lite';
import gpt2Ranks from 'js-tiktoken/ranks/gpt2';
import { get_encoding } from 'tiktoken';
import { afterAll, describe, expect, it } from 'vitest';
import { gpt2Tokenizer } from './gpt2.js';
import { MIXED_TEXTS, TINY_SHAKESPEARE, TRICKY, wellFormed } from './test-helpers.js';

const ours = gpt2Tokenizer();
const tiktoken = get_encoding('gpt2');
const jsTiktoken = new JsTiktoken(gpt2Ranks);
afterAll(() => tiktoken.free());

const tk = (s: string) => Array.from(tiktoken.encode(s));
const mine = (s: string) => Array.from(ours.encode(s));

describe('gpt2Tokenizer()', () => {
  it('is GPT-2: 50,257 ids, <|endoftext|> = 50256, byte-level token strings', () => {
    expect(ours.kind).toBe('bpe');
    expect(ours.vocabSize).toBe(50257);
    expect(ours.endOfTextId).toBe(50256);
    expect(ours.specialTokens).toEqual({ '<|endoftext|>': 50256 });
    expect(ours.merges.length).toBe(50000);
    expect(ours.tokenToId('Ġthe')).toBe(262);
    expect(ours.idToToken(0)).toBe('!');
    expect(ours.idToToken(50257)).toBeUndefined();
    expect(gpt2Tokenizer()).toBe(ours);
  });

  it('encodes the whole of tiny Shakespeare exactly as tiktoken, js-tiktoken and gpt-tokenizer (338,025 tokens)', () => {
    const text = readFileSync(TINY_SHAKESPEARE, 'utf8');
    const ids = ours.encode(text);
    expect(ids.length).toBe(338025);
    expect(Array.from(ids)).toEqual(Array.from(tiktoken.encode(text)));
    expect(Array.from(ids)).toEqual(jsTiktoken.encode(text));
    expect(Array.from(ids)).toEqual(gptTokenizerEncode(text));
    expect(ours.decode(ids)).toBe(text);
  });

  it('encodes mixed-script text exactly as tiktoken', () => {
    for (const text of MIXED_TEXTS) expect(mine(text), JSON.stringify(text)).toEqual(tk(text));
  });

  it('agrees with js-tiktoken and gpt-tokenizer where their JavaScript \\s agrees with tiktoken (no U+0085 / U+FEFF)', () => {
    for (const text of MIXED_TEXTS.filter((t) => !/[\u0085\ufeff]/.test(t))) {
      expect(mine(text)).toEqual(jsTiktoken.encode(text));
      expect(mine(text)).toEqual(gptTokenizerEncode(text));
    }
  });

  it('treats U+0085 as whitespace and U+FEFF as not, as tiktoken does', () => {
    for (const text of ['\u0085 \u0085x', 'a\u0085\u0085 b', '\ufeff \ufeffx', 'x\ufeff  y'])
      expect(mine(text)).toEqual(tk(text));
  });

  it('encodes random strings exactly as tiktoken', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TRICKY), { maxLength: 24 }), (parts) => {
        const s = parts.join('');
        expect(mine(s)).toEqual(tk(s));
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (s) => {
        expect(mine(s)).toEqual(tk(s));
      }),
      { numRuns: 3000 },
    );
  });

  it('classifies sampled code points of every plane as tiktoken does', () => {
    const rng = fc.sample(fc.integer({ min: 0x80, max: 0x10ffff }), { numRuns: 4000, seed: 7 });
    for (const cp of rng) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const c = String.fromCodePoint(cp);
      for (const s of [`${c} ${c}x`, `a${c}${c} b`, ` ${c}1`]) expect(mine(s), `U+${cp.toString(16)}`).toEqual(tk(s));
    }
  });

  it('encodes long words (the heap merge path) exactly as tiktoken', () => {
    for (const s of [
      'a'.repeat(1000),
      'ab'.repeat(400),
      'Supercalifragilistic'.repeat(30),
      '0123456789'.repeat(40),
      '!?'.repeat(300),
      '中文'.repeat(200),
    ]) {
      expect(mine(s)).toEqual(tk(s));
    }
  });

  it('round-trips any string: decode(encode(s)) === s, lone surrogates coming back as U+FFFD (as in tiktoken)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (s) => {
        expect(ours.decode(ours.encode(s))).toBe(wellFormed(s));
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), (s) => {
        expect(ours.decode(ours.encode(s))).toBe(s);
      }),
      { numRuns: 3000 },
    );
    expect(ours.decode(ours.encode('a\ud800b'))).toBe('a\ufffdb');
  });

  it('decodes a character cut between tokens to U+FFFD, as tiktoken', () => {
    const ids = ours.encode('🤖');
    expect(ids.length).toBeGreaterThan(1);
    const part = ids.slice(0, 1);
    expect(ours.decode(part)).toBe(new TextDecoder().decode(tiktoken.decode(Uint32Array.from(part))));
    expect(ours.decode(part)).toBe('\ufffd');
    expect(Array.from(ours.decodeBytes(ids))).toEqual(Array.from(new TextEncoder().encode('🤖')));
  });

  it('follows tiktoken’s special-token policy', () => {
    const text = 'hi<|endoftext|>there';
    expect(() => ours.encode(text)).toThrow(/special token '<\|endoftext\|>' at offset 2.*allowedSpecial/);
    expect(Array.from(ours.encode(text, { allowedSpecial: 'all' }))).toEqual(Array.from(tiktoken.encode(text, 'all')));
    expect(Array.from(ours.encode(text, { allowedSpecial: ['<|endoftext|>'] }))).toContain(50256);
    expect(Array.from(ours.encode(text, { disallowedSpecial: 'none' }))).toEqual(
      Array.from(tiktoken.encode(text, [], [])),
    );
    expect(Array.from(ours.encodeOrdinary(text))).toEqual(Array.from(tiktoken.encode_ordinary(text)));
    expect(() => ours.encode(text, { allowedSpecial: ['<|nope|>'] })).toThrow(/'<\|nope\|>' is not a special token/);
    expect(ours.decode([50256])).toBe('<|endoftext|>');
    expect(ours.decode([40, 50256, 40], { skipSpecialTokens: true })).toBe('II');
  });

  it('rejects ids outside the vocabulary when decoding', () => {
    expect(() => ours.decode([1, 50257])).toThrow(
      /token id 50257 at position 1 is not in this tokenizer's vocabulary \(ids 0\.\.50256\)/,
    );
    expect(() => ours.decode([-1])).toThrow(/token id -1/);
    expect(() => ours.decode([1.5])).toThrow(/token id 1.5/);
  });
});
