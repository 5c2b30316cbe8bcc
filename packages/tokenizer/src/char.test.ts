import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CharTokenizer, trainChar } from './char.js';
import { loadTokenizer } from './load.js';
import { TINY_SHAKESPEARE } from './test-helpers.js';

const shakespeare = readFileSync(TINY_SHAKESPEARE, 'utf8');

describe('CharTokenizer (nanoGPT scheme)', () => {
  const tok = trainChar(shakespeare);

  it('gives tiny Shakespeare its 65 symbols, sorted, with nanoGPT’s ids', () => {
    expect(tok.kind).toBe('char');
    expect(tok.vocabSize).toBe(65);
    // nanoGPT prepare.py: chars = sorted(list(set(data))); stoi = { ch:i for i,ch in enumerate(chars) }
    const chars = [...new Set(shakespeare)].sort();
    expect(Array.from({ length: 65 }, (_, i) => tok.idToToken(i))).toEqual(chars);
    expect(tok.idToToken(0)).toBe('\n');
    expect(tok.idToToken(1)).toBe(' ');
    expect(tok.tokenToId('a')).toBe(39);
    expect(Array.from(tok.encode('hii there'))).toEqual([46, 47, 47, 1, 58, 46, 43, 56, 43]);
    expect(tok.endOfTextId).toBeUndefined();
    expect(tok.specialTokens).toEqual({});
  });

  it('round-trips the whole corpus', () => {
    const ids = tok.encode(shakespeare);
    expect(ids.length).toBe(shakespeare.length);
    expect(tok.decode(ids)).toBe(shakespeare);
  });

  it('reports a character outside the vocabulary (no [UNK] by default)', () => {
    expect(() => tok.encode('hello 😀')).toThrow(
      /character '😀' \(U\+1F600\) at offset 6 is not in this char tokenizer's vocabulary/,
    );
  });

  it('counts code points, not UTF-16 units, and reads lone surrogates as U+FFFD', () => {
    const t = trainChar('a😀b\ud800');
    expect(t.vocabSize).toBe(4);
    expect(Array.from({ length: 4 }, (_, i) => t.idToToken(i))).toEqual(['a', 'b', '\ufffd', '😀']);
    expect(Array.from(t.encode('😀a\udc00'))).toEqual([3, 0, 2]);
  });

  it('round-trips any well-formed string over its own vocabulary', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }), (s) => {
        const t = trainChar(s);
        expect(t.decode(t.encode(s))).toBe(s);
      }),
      { numRuns: 500 },
    );
  });

  it('puts special tokens after the characters; <|endoftext|> becomes endOfTextId', () => {
    const t = trainChar('abc', { specialTokens: ['<|endoftext|>', '<unk>'], unkToken: '<unk>' });
    expect(t.vocabSize).toBe(5);
    expect(t.endOfTextId).toBe(3);
    expect(t.specialTokens).toEqual({ '<|endoftext|>': 3, '<unk>': 4 });
    expect(Array.from(t.encode('ab<|endoftext|>c', { allowedSpecial: 'all' }))).toEqual([0, 1, 3, 2]);
    expect(() => t.encode('ab<|endoftext|>c')).toThrow(/special token '<\|endoftext\|>'/);
    expect(Array.from(t.encode('axb'))).toEqual([0, 4, 1]);
    expect(t.decode([0, 3, 1])).toBe('a<|endoftext|>b');
    expect(t.decode([0, 3, 1], { skipSpecialTokens: true })).toBe('ab');
  });

  it('saves and loads (tokenizer.json) with identical ids', () => {
    const t = trainChar(shakespeare, { specialTokens: ['<|endoftext|>'] });
    const back = loadTokenizer(t.toJSON());
    expect(back).toBeInstanceOf(CharTokenizer);
    expect(back.vocabSize).toBe(66);
    expect(back.endOfTextId).toBe(65);
    const text = `${shakespeare.slice(0, 5000)}<|endoftext|>${shakespeare.slice(5000, 9000)}`;
    expect(Array.from(back.encode(text, { allowedSpecial: 'all' }))).toEqual(
      Array.from(t.encode(text, { allowedSpecial: 'all' })),
    );
  });

  it('rejects an empty corpus', () => {
    expect(() => trainChar('')).toThrow(/training text is empty/);
    expect(() => trainChar([])).toThrow(/training text is empty/);
  });
});
