import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { BpeTokenizer } from './bpe.js';
import { trainBpe } from './bpe-trainer.js';
import { loadTokenizer } from './load.js';
import { MIXED_TEXTS, TINY_SHAKESPEARE, wellFormed } from './test-helpers.js';

const shakespeare = readFileSync(TINY_SHAKESPEARE, 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'selfsup-bpe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('BpeTokenizer trained here (minbpe-style checks)', () => {
  const tok = trainBpe(shakespeare, { vocabSize: 2048 });

  it('identity: decode(encode(s)) === s for any string (lone surrogates → U+FFFD)', () => {
    for (const text of [shakespeare, ...MIXED_TEXTS]) expect(tok.decode(tok.encode(text))).toBe(wellFormed(text));
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 100 }), (s) => {
        expect(tok.decode(tok.encode(s))).toBe(wellFormed(s));
      }),
      { numRuns: 2000 },
    );
  });

  it('compresses: fewer tokens than bytes, and merges only within pre-tokens', () => {
    const ids = tok.encode(shakespeare);
    expect(ids.length).toBeLessThan(shakespeare.length / 2.5);
    for (let id = 256; id < tok.vocabSize - 1; id++) {
      const t = tok.idToToken(id)!;
      if (/[^ĠĊ]/.test(t)) expect(t.slice(1), t).not.toMatch(/[ĠĊ]/); // a word token has at most one leading space
    }
  });

  it('saves to a file and loads back with identical ids and vocabulary', () => {
    const path = join(dir, 'tokenizer.json');
    tok.save(path);
    const back = loadTokenizer(path);
    expect(back).toBeInstanceOf(BpeTokenizer);
    expect(back.vocabSize).toBe(tok.vocabSize);
    expect(back.endOfTextId).toBe(tok.endOfTextId);
    expect(back.encode(shakespeare)).toEqual(tok.encode(shakespeare));
    for (let id = 0; id < tok.vocabSize; id += 97) expect(back.idToToken(id)).toBe(tok.idToToken(id));
    const json = JSON.parse(readFileSync(path, 'utf8'));
    expect(json.model.type).toBe('BPE');
    expect(json.pre_tokenizer).toMatchObject({ type: 'ByteLevel', add_prefix_space: false, use_regex: true });
    expect(json.added_tokens).toEqual([
      {
        id: 2047,
        content: '<|endoftext|>',
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      },
    ]);
  });

  it('builds from a vocabulary and merges directly', () => {
    const bytes = tok.toJSON().model.vocab;
    const vocab = Object.keys(bytes).slice(0, 256);
    const t = new BpeTokenizer({
      vocab: [...vocab, 'hi', '<|endoftext|>'],
      merges: [[vocab.indexOf('h'), vocab.indexOf('i')]],
      specialTokens: { '<|endoftext|>': 257 },
    });
    expect(Array.from(t.encode('hihi'))).toEqual([256, 256]);
    expect(() => new BpeTokenizer({ vocab, merges: [[vocab.indexOf('h'), vocab.indexOf('i')]] })).toThrow(
      /makes a token that is not in the vocabulary/,
    );
  });
});
