import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SelfsupError } from '@selfsup/core';
import { afterAll, describe, expect, it } from 'vitest';
import { BpeTokenizer } from './bpe.js';
import { trainBpe } from './bpe-trainer.js';
import { trainChar } from './char.js';
import { gpt2Tokenizer } from './gpt2.js';
import { loadTokenizer } from './load.js';
import { WordPieceTokenizer } from './wordpiece.js';
import { trainWordPiece } from './wordpiece-trainer.js';

const dir = mkdtempSync(join(tmpdir(), 'selfsup-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bpe = trainBpe('hello world, hello there, hello again', { vocabSize: 270 });
const bpeJson = () => JSON.parse(JSON.stringify(bpe.toJSON()));
const wp = trainWordPiece('hello world, hello there, hello again', { vocabSize: 40 });
const wpJson = () => JSON.parse(JSON.stringify(wp.toJSON()));
const charJson = () => JSON.parse(JSON.stringify(trainChar('hello').toJSON()));

/** The error loadTokenizer throws for `json`, written to a file so the message names it. */
function loadError(json: unknown, name = 'bad.json'): SelfsupError {
  const path = join(dir, name);
  writeFileSync(path, typeof json === 'string' ? json : JSON.stringify(json));
  try {
    loadTokenizer(path);
  } catch (err) {
    expect(err).toBeInstanceOf(SelfsupError);
    expect((err as SelfsupError).kind).toBe('input');
    expect((err as SelfsupError).message).not.toContain('\n');
    return err as SelfsupError;
  }
  throw new Error('expected loadTokenizer to throw');
}

describe('loadTokenizer', () => {
  it('reads a path, JSON text, or the parsed object', () => {
    const path = join(dir, 'ok.json');
    bpe.save(path);
    const text = 'hello world, hello';
    for (const source of [path, JSON.stringify(bpe.toJSON()), bpe.toJSON()]) {
      const t = loadTokenizer(source);
      expect(t).toBeInstanceOf(BpeTokenizer);
      expect(t.encode(text)).toEqual(bpe.encode(text));
      expect(t.specialTokens).toEqual(bpe.specialTokens);
    }
  });

  it('reads GPT-2’s tokenizer.json in Hugging Face’s legacy form (merges as "a b", no model.type)', () => {
    const json = JSON.parse(JSON.stringify(gpt2Tokenizer().toJSON()));
    json.model.merges = json.model.merges.map(([a, b]: [string, string]) => `${a} ${b}`);
    delete json.model.type;
    json.model.continuing_subword_prefix = '';
    json.model.end_of_word_suffix = '';
    json.added_tokens[0].normalized = true;
    const t = loadTokenizer(json);
    const text = "GPT-2's tokenizer, loaded back: 日本語 😀";
    expect(t.encode(text)).toEqual(gpt2Tokenizer().encode(text));
    expect(t.vocabSize).toBe(50257);
  });

  it('reads BERT’s older BertProcessing post-processor', () => {
    const json = wpJson();
    json.post_processor = { type: 'BertProcessing', sep: ['[SEP]', 3], cls: ['[CLS]', 2] };
    const t = loadTokenizer(json) as WordPieceTokenizer;
    expect(t).toBeInstanceOf(WordPieceTokenizer);
    expect(t.encode('hello', { addSpecialTokens: true })).toEqual(wp.encode('hello', { addSpecialTokens: true }));
  });

  describe('rejects a bad file with one line naming the file and the field', () => {
    it('missing, unreadable or not JSON', () => {
      expect(() => loadTokenizer(join(dir, 'nope.json'))).toThrow(/nope\.json: not found/);
      expect(loadError('{"version": "1.0", ').message).toMatch(/bad\.json: not valid JSON/);
      expect(loadError('[1, 2]').message).toMatch(/bad\.json: expected a JSON object/);
      expect(() => loadTokenizer(dir)).toThrow(/is a directory/);
    });

    it('too large', () => {
      const path = join(dir, 'big.json');
      writeFileSync(path, JSON.stringify(bpe.toJSON()));
      expect(() => loadTokenizer(path, { maxBytes: 100 })).toThrow(
        /big\.json: file is \d+ bytes, more than the 100 allowed/,
      );
    });

    it('model missing or of an unknown type', () => {
      expect(loadError({ version: '1.0' }).message).toBe(
        'bad.json: model: missing'.replace('bad.json', join(dir, 'bad.json')),
      );
      const j = bpeJson();
      j.model.type = 'Unigram';
      expect(loadError(j).message).toMatch(/model\.type: 'Unigram' is not supported/);
    });

    it('vocab of the wrong type, ids out of range, duplicated, or with gaps', () => {
      let j = bpeJson();
      j.model.vocab = ['a'];
      expect(loadError(j).message).toMatch(/model\.vocab: expected an object mapping tokens to ids/);
      j = bpeJson();
      j.model.vocab.Ġnew = 'seven';
      expect(loadError(j).message).toMatch(/model\.vocab\['Ġnew'\]: expected an id \(an integer >= 0\), got "seven"/);
      j = bpeJson();
      j.model.vocab.Ġnew = -1;
      expect(loadError(j).message).toMatch(/model\.vocab\['Ġnew'\]: expected an id/);
      j = bpeJson();
      j.model.vocab.Ġnew = 1.5;
      expect(loadError(j).message).toMatch(/got 1\.5/);
      j = bpeJson();
      j.model.vocab.Ġnew = 1e12;
      expect(loadError(j).message).toMatch(/id 1000000000000 is beyond/);
      j = bpeJson();
      j.model.vocab.Ġnew = 5;
      expect(loadError(j).message).toMatch(/model\.vocab: id 5 is given to both/);
      j = bpeJson();
      j.model.vocab.Ġnew = 400;
      expect(loadError(j).message).toMatch(/model\.vocab: ids must run from 0 to 400 without gaps; id 270 is missing/);
    });

    it('added tokens that contradict the vocabulary', () => {
      const j = bpeJson();
      j.added_tokens[0].id = 3;
      expect(loadError(j).message).toMatch(
        /added_tokens\[0\]\.id: id 3 is '\$' in model\.vocab, not '<\|endoftext\|>'/,
      );
      const k = bpeJson();
      k.added_tokens[0].content = 42;
      expect(loadError(k).message).toMatch(/added_tokens\[0\]\.content: expected a string/);
    });

    it('merges that refer to unknown tokens or make an unknown token', () => {
      let j = bpeJson();
      j.model.merges[0] = ['h', 'zz'];
      expect(loadError(j).message).toMatch(/model\.merges\[0\]: 'zz' is not in model\.vocab/);
      j = bpeJson();
      j.model.merges[0] = ['h', 'h'];
      expect(loadError(j).message).toMatch(/model\.merges\[0\]: 'h' \+ 'h' makes 'hh', which is not in model\.vocab/);
      j = bpeJson();
      j.model.merges[1] = 'a b c';
      expect(loadError(j).message).toMatch(/model\.merges\[1\]: expected "left right"/);
      j = bpeJson();
      j.model.merges[2] = [1, 2];
      expect(loadError(j).message).toMatch(/model\.merges\[2\]: expected a pair of strings/);
      j = bpeJson();
      j.model.merges = 'none';
      expect(loadError(j).message).toMatch(/model\.merges: expected an array/);
    });

    it('features we do not implement, rather than encoding differently', () => {
      let j = bpeJson();
      j.pre_tokenizer = { type: 'Metaspace' };
      expect(loadError(j).message).toMatch(/pre_tokenizer: only byte-level BPE .* got Metaspace/);
      j = bpeJson();
      j.pre_tokenizer.add_prefix_space = true;
      expect(loadError(j).message).toMatch(/pre_tokenizer\.add_prefix_space: true is not supported/);
      j = bpeJson();
      j.model.vocab['Ġz€'] = 270;
      expect(loadError(j).message).toMatch(/model\.vocab\['Ġz€'\]: has a character outside the byte-level alphabet/);
      j = wpJson();
      j.normalizer = { type: 'NFC' };
      expect(loadError(j).message).toMatch(/normalizer: only BertNormalizer is supported for WordPiece, got NFC/);
      j = wpJson();
      j.model.unk_token = '<unk>';
      expect(loadError(j).message).toMatch(/model\.unk_token: expected a token of model\.vocab/);
      j = wpJson();
      j.model.max_input_chars_per_word = 0;
      expect(loadError(j).message).toMatch(/model\.max_input_chars_per_word: expected a positive integer/);
      j = charJson();
      j.pre_tokenizer = null;
      expect(loadError(j).message).toMatch(/pre_tokenizer: a WordLevel tokenizer\.json is read as a char tokenizer/);
      j = charJson();
      j.model.vocab.ab = 4;
      expect(loadError(j).message).toMatch(/model\.vocab\['ab'\]: a char tokenizer token must be a single character/);
    });
  });
});
