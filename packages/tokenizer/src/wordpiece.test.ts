import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bertNormalize, bertPreTokenize, resolveBertOptions } from './bert-normalizer.js';
import { loadTokenizer } from './load.js';
import { TINY_SHAKESPEARE } from './test-helpers.js';
import { WordPieceTokenizer } from './wordpiece.js';
import { trainWordPiece } from './wordpiece-trainer.js';

const shakespeare = readFileSync(TINY_SHAKESPEARE, 'utf8');

/** A small hand-made BERT vocabulary. */
function tinyBert(options: Partial<ConstructorParameters<typeof WordPieceTokenizer>[0]> = {}) {
  const vocab = [
    '[PAD]',
    '[UNK]',
    '[CLS]',
    '[SEP]',
    '[MASK]',
    'un',
    '##aff',
    '##able',
    'runn',
    '##ing',
    'the',
    ',',
    '.',
    'cafe',
    'a',
    '##b',
    '中',
    'σ',
    'ς',
    'i',
    '##i',
  ];
  return new WordPieceTokenizer({ vocab, ...options });
}
const tokens = (t: WordPieceTokenizer, text: string, addSpecialTokens = false) =>
  Array.from(t.encode(text, { addSpecialTokens }), (id) => t.idToToken(id));

describe('BERT normalizer and pre-tokenizer', () => {
  const uncased = resolveBertOptions();
  it('lower-cases, strips accents, cleans control characters and whitespace, spaces out CJK', () => {
    expect(bertNormalize('Héllo\tWÖRLD\u0000\u200b!', uncased)).toBe('hello world!');
    expect(bertNormalize('日本語abc', uncased)).toBe(' 日  本  語 abc');
    expect(bertNormalize('ΟΔΟΣ', uncased)).toBe('οδοσ'); // per-character lower-casing: no final sigma
    expect(bertNormalize('Héllo', resolveBertOptions({ lowercase: false }))).toBe('Héllo');
    expect(bertNormalize('Héllo', resolveBertOptions({ lowercase: false, stripAccents: true }))).toBe('Hello');
    expect(bertNormalize('Héllo', resolveBertOptions({ lowercase: true, stripAccents: false }))).toBe('héllo');
  });

  it('splits at whitespace and isolates each punctuation character', () => {
    expect(bertPreTokenize('Hey friend!     How are you?!?')).toEqual([
      'Hey',
      'friend',
      '!',
      'How',
      'are',
      'you',
      '?',
      '!',
      '?',
    ]);
    expect(bertPreTokenize("don't $5 a+b «q»")).toEqual(['don', "'", 't', '$', '5', 'a', '+', 'b', '«', 'q', '»']);
  });
});

describe('WordPieceTokenizer', () => {
  it('cuts words greedily into the longest pieces, ## after the first', () => {
    const t = tinyBert();
    expect(tokens(t, 'unaffable running')).toEqual(['un', '##aff', '##able', 'runn', '##ing']);
    expect(tokens(t, 'The café, Σ.')).toEqual(['the', 'cafe', ',', 'σ', '.']);
    expect(tokens(t, 'abbb 中中')).toEqual(['a', '##b', '##b', '##b', '中', '中']);
  });

  it('gives [UNK] for a word it cannot cover, or one longer than maxInputCharsPerWord', () => {
    const t = tinyBert({ maxInputCharsPerWord: 5 });
    expect(tokens(t, 'unx the')).toEqual(['[UNK]', 'the']);
    expect(tokens(t, 'abbbb abbbbb')).toEqual(['a', '##b', '##b', '##b', '##b', '[UNK]']);
  });

  it('has the BERT special ids, the [CLS] … [SEP] template, and no end-of-text', () => {
    const t = tinyBert();
    expect([t.padTokenId, t.unkTokenId, t.clsTokenId, t.sepTokenId, t.maskTokenId]).toEqual([0, 1, 2, 3, 4]);
    expect(t.endOfTextId).toBeUndefined();
    expect(tokens(t, 'the cafe', true)).toEqual(['[CLS]', 'the', 'cafe', '[SEP]']);
    expect(tokens(t, 'the [MASK] cafe')).toEqual(['the', '[MASK]', 'cafe']);
    expect(() => t.encode('the [MASK]', { allowedSpecial: 'none' })).toThrow(/special token '\[MASK\]'/);
  });

  it('marks ## pieces as continuations (for whole-word masking)', () => {
    const t = tinyBert();
    const ids = t.encode('unaffable the');
    expect(Array.from(ids, (id) => t.isContinuation(id))).toEqual([false, true, true, false]);
    expect(t.isContinuation(t.clsTokenId)).toBe(false);
  });

  it('decodes as Hugging Face’s WordPiece decoder', () => {
    const t = tinyBert();
    expect(t.decode(t.encode('unaffable, running the cafe.'))).toBe('unaffable, running the cafe.');
    expect(t.decode(t.encode('the cafe', { addSpecialTokens: true }))).toBe('[CLS] the cafe [SEP]');
    expect(t.decode(t.encode('the cafe', { addSpecialTokens: true }), { skipSpecialTokens: true })).toBe('the cafe');
  });
});

describe('trainWordPiece', () => {
  it('learns a BERT vocabulary: specials first, characters, ## characters, then pieces', () => {
    const t = trainWordPiece(shakespeare, { vocabSize: 2000 });
    expect(t.vocabSize).toBe(2000);
    expect(Array.from({ length: 5 }, (_, i) => t.idToToken(i))).toEqual(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
    expect(t.tokenToId('a')).toBeDefined();
    expect(t.tokenToId('##e')).toBeDefined();
    expect(t.tokenToId('A')).toBeUndefined(); // lower-cased
    expect(t.tokenToId('the')).toBeDefined();
    const ids = t.encode('First Citizen: Before we proceed any further, hear me speak.');
    expect(ids.includes(t.unkTokenId)).toBe(false);
    expect(t.decode(ids)).toBe('first citizen : before we proceed any further, hear me speak.');
    expect(loadTokenizer(t.toJSON()).encode(shakespeare.slice(0, 3000))).toEqual(t.encode(shakespeare.slice(0, 3000)));
  });

  it('keeps case when asked, limits the alphabet, and rejects too small a vocabulary', () => {
    const cased = trainWordPiece('Hello hello HELLO', { vocabSize: 40, lowercase: false });
    expect(cased.tokenToId('H')).toBeDefined();
    const limited = trainWordPiece('aaaa bbb cc d', { vocabSize: 20, limitAlphabet: 2 });
    expect(limited.tokenToId('d')).toBeUndefined();
    expect(tokens(limited, 'd')).toEqual(['[UNK]']);
    expect(() => trainWordPiece('abc abd', { vocabSize: 8 })).toThrow(
      /vocabSize 8 is smaller than the base alphabet \(5 special tokens \+ 7 characters and ##characters = 12\)/,
    );
    expect(() => trainWordPiece(' \n ', { vocabSize: 100 })).toThrow(/no words/);
    expect(() => trainWordPiece('', { vocabSize: 100 })).toThrow(/training text is empty/);
  });
});
