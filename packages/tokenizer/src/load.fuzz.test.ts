/**
 * Fuzzing `loadTokenizer` with hostile `tokenizer.json` files: every truncation and random byte edits of valid files
 * (char, byte-level BPE, WordPiece), random values put at every field, random JSON, huge ids and deep nesting. Each
 * case must end in a SelfsupError or a tokenizer that then encodes and decodes text without failing, every id below
 * its vocabulary size.
 */

import { MAX_JSON_DEPTH } from '@selfsup/core';
import {
  deepJson,
  fuzzParams,
  hostileJsonValue,
  jsonPaths,
  mutatedBytes,
  outcome,
  withField,
} from '@selfsup/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { trainBpe } from './bpe-trainer.js';
import { trainChar } from './char.js';
import { type AnyTokenizer, loadTokenizer } from './load.js';
import { trainWordPiece } from './wordpiece-trainer.js';

const TEXT = 'hello world, hello there!\nthe cat sat on the mat. ünïcödé 🙂 naïve café\t42 [MASK]';
const VALID: Record<string, unknown> = {
  char: JSON.parse(JSON.stringify(trainChar(TEXT).toJSON())),
  bpe: JSON.parse(JSON.stringify(trainBpe(TEXT, { vocabSize: 290 }).toJSON())),
  wordpiece: JSON.parse(JSON.stringify(trainWordPiece(TEXT, { vocabSize: 60 }).toJSON())),
};
const PROBES = [
  TEXT,
  '',
  ' ',
  '\u0000\uffff',
  'a'.repeat(300),
  '[CLS] x [SEP] [PAD]',
  '\ud800 lone surrogate',
  '<|endoftext|>',
];

/** Loads `input`; a tokenizer that loads must then work on every probe text. */
function loadCase(label: string, input: string | object): void {
  const r = outcome(label, () => loadTokenizer(input, { name: 'fuzz/tokenizer.json' }));
  if (r.ok) useTokenizer(label, r.value);
}

function useTokenizer(label: string, tok: AnyTokenizer): void {
  const size = tok.vocabSize;
  expect(Number.isSafeInteger(size) && size > 0, `${label}: vocabSize ${size}`).toBe(true);
  for (const text of PROBES) {
    const ids = outcome(`${label}: encode`, () => tok.encode(text));
    if (!ids.ok) continue;
    for (const id of ids.value) {
      if (!(id >= 0 && id < size)) throw new Error(`${label}: encode gave id ${id}, vocabulary ${size}`);
    }
    outcome(`${label}: decode`, () => tok.decode(ids.value));
  }
  outcome(`${label}: decode out of range`, () => tok.decode(Int32Array.of(size, -1, 2 ** 31 - 1)));
}

describe('loadTokenizer under fuzzing', () => {
  for (const [kind, json] of Object.entries(VALID)) {
    const text = JSON.stringify(json);
    const bytes = new TextEncoder().encode(text);

    it(`${kind}: the valid file loads and round-trips`, () => {
      const tok = loadTokenizer(json as object);
      expect(tok.decode(tok.encode('hello world'))).toMatch(/hello world/i);
      useTokenizer(kind, tok);
    });

    it(`${kind}: a truncation at every offset`, () => {
      for (let n = 0; n < text.length; n++) {
        const r = outcome(`${kind} truncated at ${n}`, () =>
          loadTokenizer(text.slice(0, n) || '{', { name: 'cut.json' }),
        );
        expect(r.ok, `truncated at ${n}`).toBe(false);
      }
    });

    it(`${kind}: random byte edits`, () => {
      fc.assert(
        fc.property(mutatedBytes(bytes), ({ label, bytes: b }) => {
          const s = Buffer.from(b).toString('utf8');
          loadCase(`${kind} ${label}`, s.trimStart().startsWith('{') ? s : `{${s}`);
        }),
        fuzzParams(1500),
      );
    });

    it(`${kind}: a hostile value at a random field`, () => {
      const paths = jsonPaths(json);
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.constantFrom(...paths), fc.oneof(hostileJsonValue(), fc.constant(undefined))), {
            minLength: 1,
            maxLength: 3,
          }),
          (edits) => {
            let j: unknown = json;
            for (const [path, value] of edits) j = withField(j, path, value);
            loadCase(`${kind} fields ${JSON.stringify(edits).slice(0, 300)}`, j as object);
          },
        ),
        fuzzParams(2000),
      );
    });
  }

  it('bpe: merges that name unknown tokens, make unknown tokens, or are not pairs', () => {
    const bpe = VALID.bpe as { model: { merges: unknown[]; vocab: Record<string, number> } };
    const tokens = Object.keys(bpe.model.vocab);
    const token = fc.oneof(fc.constantFrom(...tokens), fc.string({ maxLength: 3 }));
    const merge = fc.oneof(
      fc.tuple(token, token).map(([a, b]) => `${a} ${b}`),
      fc.tuple(token, token),
      fc.array(token, { maxLength: 3 }),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.array(merge, { maxLength: 8 }), fc.boolean(), (extra, replace) => {
        const merges = replace ? extra : [...bpe.model.merges, ...extra];
        loadCase(`merges ${JSON.stringify(extra)}`, withField(bpe, ['model', 'merges'], merges) as object);
      }),
      fuzzParams(2000),
    );
  });

  it('random JSON values and random vocabularies', () => {
    const vocab = fc.dictionary(fc.string({ minLength: 0, maxLength: 3 }), fc.oneof(fc.nat(40), hostileJsonValue()), {
      maxKeys: 30,
    });
    const model = fc.record(
      {
        type: fc.oneof(fc.constantFrom('BPE', 'WordPiece', 'WordLevel', 'Unigram'), hostileJsonValue()),
        vocab: fc.oneof(vocab, hostileJsonValue()),
        merges: fc.oneof(fc.array(fc.string({ maxLength: 5 }), { maxLength: 5 }), hostileJsonValue()),
        unk_token: fc.oneof(fc.constantFrom('[UNK]', 'a'), hostileJsonValue()),
      },
      { requiredKeys: [] },
    );
    const file = fc.record(
      {
        model,
        added_tokens: fc.oneof(
          fc.array(
            fc.record({
              id: fc.oneof(fc.nat(50), hostileJsonValue()),
              content: fc.oneof(fc.string({ maxLength: 5 }), hostileJsonValue()),
            }),
            {
              maxLength: 5,
            },
          ),
          hostileJsonValue(),
        ),
        pre_tokenizer: fc.oneof(
          fc.constantFrom(
            { type: 'ByteLevel' },
            { type: 'BertPreTokenizer' },
            (VALID.char as { pre_tokenizer: unknown }).pre_tokenizer,
          ),
          hostileJsonValue(),
        ),
        normalizer: hostileJsonValue(),
        post_processor: hostileJsonValue(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(file, fc.jsonValue({ maxDepth: 4 })), (json) =>
        loadCase(`json ${JSON.stringify(json).slice(0, 300)}`, json as object),
      ),
      fuzzParams(3000),
    );
  });

  it('huge ids, huge vocabularies and deep nesting are refused without a giant allocation', () => {
    const char = VALID.char as { model: { vocab: Record<string, number> } };
    const big = { limit: { maxArrayBufferGrowth: 16 << 20 } };
    const cases: [string, string | object][] = [
      ['id 2^22', withField(char, ['model', 'vocab', 'a'], 2 ** 22) as object],
      ['id 2^22 - 1 (a gap of four million)', withField(char, ['model', 'vocab', 'a'], 2 ** 22 - 1) as object],
      ['id 2^53', withField(char, ['model', 'vocab', 'a'], 2 ** 53) as object],
      ['id 1e308', withField(char, ['model', 'vocab', 'a'], 1e308) as object],
      [
        'added token id 2^31',
        withField(char, ['added_tokens'], [{ id: 2 ** 31, content: 'x', special: true }]) as object,
      ],
      ['a token of 100k characters', withField(char, ['model', 'vocab', 'x'.repeat(100_000)], 1) as object],
      ['deep JSON', `{"model":${deepJson(MAX_JSON_DEPTH * 10, 'object')}}`],
      ['deep vocab value', `{"model":{"type":"WordLevel","vocab":{"a":${deepJson(MAX_JSON_DEPTH - 3)}}}}`],
      [
        'wide merges',
        withField(
          VALID.bpe,
          ['model', 'merges'],
          Array.from({ length: 200_000 }, () => 'zz qq'),
        ) as object,
      ],
    ];
    for (const [label, input] of cases) {
      const r = outcome(label, () => loadTokenizer(input, { name: 'huge.json' }), big.limit);
      expect(r.ok, label).toBe(false);
    }
  });
});
