/**
 * Our tokenizer.json files in Hugging Face `tokenizers` (the native Node binding): they load, and encode and decode
 * to exactly our ids and text. And the reverse: files Hugging Face writes load here with the same ids.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BPE,
  bertNormalizer,
  bertPreTokenizer,
  byteLevelPreTokenizer,
  Tokenizer as HfTokenizer,
  templateProcessing,
  WordPiece,
} from 'tokenizers';
import { afterAll, describe, expect, it } from 'vitest';
import type { Tokenizer } from './base.js';
import { bertNormalize, bertPreTokenize, resolveBertOptions } from './bert-normalizer.js';
import { trainBpe } from './bpe-trainer.js';
import { trainChar } from './char.js';
import { gpt2Tokenizer } from './gpt2.js';
import { loadTokenizer } from './load.js';
import { MIXED_TEXTS, TINY_SHAKESPEARE } from './test-helpers.js';
import { trainWordPiece } from './wordpiece-trainer.js';

const shakespeare = readFileSync(TINY_SHAKESPEARE, 'utf8');
const scratch = mkdtempSync(join(tmpdir(), 'selfsup-hf-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function inHf(tok: Tokenizer): HfTokenizer {
  return HfTokenizer.fromString(JSON.stringify(tok.toJSON()));
}

async function hfIds(hf: HfTokenizer, text: string, addSpecialTokens = false): Promise<number[]> {
  return (await hf.encode(text, null, { addSpecialTokens })).getIds();
}

/** Compares ids and decoded text on each text. */
async function expectSame(
  tok: Tokenizer,
  texts: string[],
  options: { allowedSpecial?: 'all'; addSpecialTokens?: boolean } = {},
) {
  const hf = inHf(tok);
  expect(hf.getVocabSize(true)).toBe(tok.vocabSize);
  for (const text of texts) {
    const ours = Array.from(
      (tok.encode as (t: string, o: object) => Int32Array)(text, {
        allowedSpecial: options.allowedSpecial ?? 'all',
        addSpecialTokens: options.addSpecialTokens,
      }),
    );
    const theirs = await hfIds(hf, text, options.addSpecialTokens);
    expect(ours, JSON.stringify(text.slice(0, 80))).toEqual(theirs);
    expect(tok.decode(ours)).toBe(await hf.decode(theirs, false));
    expect(tok.decode(ours, { skipSpecialTokens: true })).toBe(await hf.decode(theirs, true));
  }
}

const slices = [
  shakespeare.slice(0, 4000),
  shakespeare.slice(500_000, 503_000),
  'ROMEO:\nBut, soft! what light through yonder window breaks?\n\n',
];
/** Mixed text both sides handle alike: no lone surrogates (the binding replaces them) and no U+0085 / U+FEFF. */
const mixed = MIXED_TEXTS.filter((t) => !/[\ud800-\udfff\u0085\ufeff]/u.test(t));

describe('our tokenizer.json in Hugging Face tokenizers', () => {
  it('char: loads and gives identical ids (special tokens included)', async () => {
    const tok = trainChar(shakespeare, { specialTokens: ['<|endoftext|>'] });
    await expectSame(tok, [...slices, `${slices[2]}<|endoftext|>${slices[2]}`]);
  });

  it('byte-level BPE: loads and gives identical ids', async () => {
    const tok = trainBpe(shakespeare, { vocabSize: 3000 });
    await expectSame(tok, [...slices, ...mixed, `a<|endoftext|>b`]);
  });

  it('WordPiece: loads and gives identical ids, with and without [CLS] … [SEP]', async () => {
    const tok = trainWordPiece([shakespeare, ...mixed], { vocabSize: 4000 });
    const texts = [
      ...slices,
      ...mixed,
      'The [MASK] sat on the mat.',
      'Ünïcödé Crème Brûlée naïve façade',
      `a ${'x'.repeat(150)} b`,
    ];
    await expectSame(tok, texts);
    await expectSame(tok, texts, { addSpecialTokens: true });
  });

  it('WordPiece, cased and without accent stripping', async () => {
    const tok = trainWordPiece(shakespeare.slice(0, 200_000), { vocabSize: 1500, lowercase: false });
    await expectSame(tok, [...slices, 'Crème Brûlée ÜBER'], { addSpecialTokens: true });
  });

  it('GPT-2: loads and gives identical ids on the whole of tiny Shakespeare and on mixed text', async () => {
    const tok = gpt2Tokenizer();
    const hf = inHf(tok);
    expect(await hfIds(hf, shakespeare)).toEqual(Array.from(tok.encode(shakespeare)));
    await expectSame(tok, [...mixed, 'x<|endoftext|>y']);
  });
});

describe('Hugging Face’s tokenizer.json here', () => {
  it('a BPE tokenizer Hugging Face trained loads with identical ids', async () => {
    const corpus = join(scratch, 'corpus.txt');
    writeFileSync(corpus, shakespeare.slice(0, 100_000));
    const hf = new HfTokenizer(BPE.empty());
    hf.setPreTokenizer(byteLevelPreTokenizer(false, true));
    hf.train([corpus]);
    const file = join(scratch, 'hf-bpe.json');
    hf.save(file);
    const ours = loadTokenizer(file);
    expect(ours.kind).toBe('bpe');
    for (const text of slices) expect(Array.from(ours.encode(text))).toEqual(await hfIds(hf, text));
  });

  it('a BERT tokenizer Hugging Face built loads with identical ids', async () => {
    const vocab: Record<string, number> = {};
    [
      '[PAD]',
      '[UNK]',
      '[CLS]',
      '[SEP]',
      '[MASK]',
      'the',
      'un',
      '##aff',
      '##able',
      'cafe',
      '!',
      '.',
      'a',
      '##b',
    ].forEach((t, i) => {
      vocab[t] = i;
    });
    const hf = new HfTokenizer(WordPiece.init(vocab, { unkToken: '[UNK]' }));
    hf.setNormalizer(bertNormalizer({ lowercase: true }));
    hf.setPreTokenizer(bertPreTokenizer());
    hf.setPostProcessor(
      templateProcessing('[CLS] $A [SEP]', '[CLS] $A [SEP] $B:1 [SEP]:1', [
        ['[CLS]', 2],
        ['[SEP]', 3],
      ]),
    );
    hf.addSpecialTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
    const file = join(scratch, 'hf-bert.json');
    hf.save(file);
    const ours = loadTokenizer(file);
    expect(ours.kind).toBe('wordpiece');
    for (const text of ['The unaffable CAFÉ!', 'abb [MASK] zzz.']) {
      expect(Array.from(ours.encode(text))).toEqual(await hfIds(hf, text));
      expect(Array.from(ours.encode(text, { addSpecialTokens: true } as object))).toEqual(await hfIds(hf, text, true));
    }
  });
});

describe('BERT normalization matches Hugging Face character by character', () => {
  // Hugging Face's character tables date from Unicode 8 (2015). These blocks got no characters since, so every code
  // point in them must come out the same; the other blocks differ only in characters added later (U+061D, U+07FD…).
  const ranges: [number, number][] = [
    [0x0000, 0x05ff],
    [0x0680, 0x077f],
    [0x0800, 0x087f],
    [0x0900, 0x097f],
    [0x0b80, 0x0bff],
    [0x0e00, 0x0e7f],
    [0x0f00, 0x15ff],
    [0x1900, 0x19ff],
    [0x1b80, 0x1d7f],
    [0x1e00, 0x2dff],
    [0x2e80, 0xa7ff],
    [0xaa00, 0xd7ff],
    [0xe000, 0xffff],
    [0x20000, 0x200ff],
  ];
  /** Every code point below U+3000, then every 5th (the large CJK and Hangul blocks are uniform). */
  function* codePoints() {
    for (const [lo, hi] of ranges) for (let cp = lo; cp <= hi; cp += cp < 0x3000 ? 1 : 5) yield cp;
  }
  const options = [{}, { lowercase: false }, { lowercase: false, stripAccents: true }];

  it('normalizer, for each option set', () => {
    for (const o of options) {
      const hf = bertNormalizer(o);
      const ours = resolveBertOptions(o);
      for (const cp of codePoints()) {
        const s = `A${String.fromCodePoint(cp)}b`;
        expect(bertNormalize(s, ours), `U+${cp.toString(16)} ${JSON.stringify(o)}`).toBe(hf.normalizeString(s));
      }
    }
  });

  it('pre-tokenizer', () => {
    const hf = bertPreTokenizer();
    for (const cp of codePoints()) {
      const s = `ab${String.fromCodePoint(cp)}cd e`;
      expect(bertPreTokenize(s), `U+${cp.toString(16)}`).toEqual(hf.preTokenizeString(s).map(([w]) => w));
    }
  });
});
