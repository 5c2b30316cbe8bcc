import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GPT2_SPLIT_REGEX, gpt2PreTokenEnd, gpt2PreTokenize } from './gpt2-pretokenizer.js';
import { TINY_SHAKESPEARE, TRICKY } from './test-helpers.js';

const byRegex = (s: string) => s.match(GPT2_SPLIT_REGEX) ?? [];

describe('the GPT-2 pre-tokenizer scanner', () => {
  it('splits the whole of tiny Shakespeare exactly as the regex', () => {
    const text = readFileSync(TINY_SHAKESPEARE, 'utf8');
    const ours = gpt2PreTokenize(text);
    const ref = byRegex(text);
    expect(ours.length).toBe(ref.length);
    expect(ours).toEqual(ref);
  });

  it('splits random strings of tricky pieces exactly as the regex', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TRICKY), { maxLength: 16 }), (parts) => {
        const s = parts.join('');
        expect(gpt2PreTokenize(s)).toEqual(byRegex(s));
      }),
      { numRuns: 5000 },
    );
  });

  it('splits arbitrary Unicode (and arbitrary UTF-16) exactly as the regex', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => {
        expect(gpt2PreTokenize(s)).toEqual(byRegex(s));
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        expect(gpt2PreTokenize(s)).toEqual(byRegex(s));
      }),
      { numRuns: 2000 },
    );
  });

  it('treats a range as the whole text (as the regex sees text.slice(start, end))', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TRICKY), { maxLength: 12 }), fc.nat(), (parts, cut) => {
        const s = parts.join('');
        const end = s.length === 0 ? 0 : cut % (s.length + 1);
        const pieces: string[] = [];
        for (let i = 0; i < end; ) {
          const j = gpt2PreTokenEnd(s, i, end);
          pieces.push(s.slice(i, j));
          i = j;
        }
        expect(pieces).toEqual(byRegex(s.slice(0, end)));
      }),
      { numRuns: 2000 },
    );
  });

  it('knows the textbook cases', () => {
    expect(gpt2PreTokenize("Hello world, it's  me!\n\n  ok")).toEqual([
      'Hello',
      ' world',
      ',',
      ' it',
      "'s",
      ' ',
      ' me',
      '!',
      '\n\n ',
      ' ok',
    ]);
    expect(gpt2PreTokenize('   ')).toEqual(['   ']);
    expect(gpt2PreTokenize("'re're x're")).toEqual(["'re", "'re", ' x', "'re"]);
    expect(gpt2PreTokenize('123abc 456')).toEqual(['123', 'abc', ' 456']);
  });
});
