import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getStats, merge, unpairKey } from './base.js';
import { trainBpe } from './bpe-trainer.js';
import { BYTE_ORDER, BYTE_TO_CHAR } from './byte-level.js';
import { gpt2PreTokenize } from './gpt2-pretokenizer.js';
import { type LearnInput, learnMerges } from './merge-learner.js';

/**
 * The straightforward reference: before every merge, recount all pairs of all words (minbpe's loop with word
 * counts), take the most frequent (ties: the smaller pair), merge it everywhere.
 */
function referenceLearnMerges(input: LearnInput): { merges: [number, number][]; vocab: string[] } {
  const vocab = [...input.vocab];
  const index = new Map(vocab.map((t, i) => [t, i]));
  let words: Int32Array[] = input.words.map((w) => Int32Array.from(w));
  const merges: [number, number][] = [];
  const merged = new Set<string>();
  while (vocab.length < input.targetSize) {
    const stats = new Map<number, number>();
    for (let i = 0; i < words.length; i++) getStats(words[i], stats, input.counts[i]);
    let best: [number, number] | undefined;
    let bestCount = 0;
    for (const [key, count] of stats) {
      const [a, b] = unpairKey(key);
      if (count > bestCount || (count === bestCount && best && (a < best[0] || (a === best[0] && b < best[1])))) {
        best = [a, b];
        bestCount = count;
      }
    }
    if (!best || bestCount < 1 || bestCount < (input.minFrequency ?? 0)) break;
    const [a, b] = best;
    const text = input.join(vocab[a], vocab[b]);
    let x = index.get(text);
    if (x === undefined) {
      x = vocab.length;
      vocab.push(text);
      index.set(text, x);
    }
    if (!merged.has(`${a},${b}`)) {
      merged.add(`${a},${b}`);
      merges.push([a, b]);
    }
    const id = x;
    words = words.map((w) => merge(w, a, b, id));
  }
  return { merges, vocab };
}

const letters = ['a', 'b', 'c', 'd'];

describe('learnMerges (incremental) equals the recount-per-merge reference', () => {
  it('on random small corpora (ties, repeats, and tokens spelled by two different merges)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 9 }),
            fc.integer({ min: 1, max: 4 }),
          ),
          { minLength: 1, maxLength: 12 },
        ),
        fc.integer({ min: 4, max: 40 }),
        fc.integer({ min: 0, max: 3 }),
        (wordsAndCounts, targetSize, minFrequency) => {
          const make = (): LearnInput => ({
            words: wordsAndCounts.map(([w]) => Int32Array.from(w)),
            counts: wordsAndCounts.map(([, c]) => c),
            vocab: [...letters],
            join: (a, b) => a + b,
            targetSize,
            minFrequency,
          });
          const ours = learnMerges(make());
          const ref = referenceLearnMerges(make());
          expect(ours.merges).toEqual(ref.merges);
          expect(ours.vocab).toEqual(ref.vocab);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('with the WordPiece join (## pieces)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 7 }),
            fc.integer({ min: 1, max: 3 }),
          ),
          { minLength: 1, maxLength: 8 },
        ),
        (wc) => {
          // symbols: a b c, ##a ##b ##c (ids 3..5) after the first position
          const make = (): LearnInput => ({
            words: wc.map(([w]) => Int32Array.from(w, (s, i) => (i === 0 ? s : s + 3))),
            counts: wc.map(([, c]) => c),
            vocab: ['a', 'b', 'c', '##a', '##b', '##c'],
            join: (a, b) => a + (b.startsWith('##') ? b.slice(2) : b),
            targetSize: 30,
          });
          const ours = learnMerges(make());
          const ref = referenceLearnMerges(make());
          expect(ours.merges).toEqual(ref.merges);
          expect(ours.vocab).toEqual(ref.vocab);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('trainBpe', () => {
  /** trainBpe's corpus preparation done by hand, then the reference learner. */
  function referenceTrainBpe(text: string, vocabSize: number) {
    const counts = new Map<string, number>();
    for (const piece of gpt2PreTokenize(text)) counts.set(piece, (counts.get(piece) ?? 0) + 1);
    const idOfByte = new Map(BYTE_ORDER.map((b, id) => [b, id]));
    const words = [...counts.keys()].map((w) => Int32Array.from(new TextEncoder().encode(w), (b) => idOfByte.get(b)!));
    return referenceLearnMerges({
      words,
      counts: [...counts.values()],
      vocab: BYTE_ORDER.map((b) => BYTE_TO_CHAR[b]),
      join: (a, b) => a + b,
      targetSize: vocabSize - 1,
    });
  }

  it('gives the reference merges on random text (letters, spaces, digits, punctuation, accents, emoji)', () => {
    const pieces = ['a', 'b', 'ab', ' ', '  ', 'x', 'é', '1', '22', '!', '\n', "'s", '😀', '中'];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 257, max: 320 }),
        (parts, vocabSize) => {
          const text = parts.join('');
          const tok = trainBpe(text, { vocabSize });
          const ref = referenceTrainBpe(text, vocabSize);
          expect(tok.merges).toEqual(ref.merges);
          expect(tok.vocabSize).toBe(ref.vocab.length + 1);
          expect(tok.decode(tok.encode(text))).toBe(text);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('puts the bytes first (GPT-2 order), then merges, then special tokens', () => {
    const tok = trainBpe('hello hello hello world', { vocabSize: 262 });
    expect(tok.idToToken(0)).toBe('!');
    expect(tok.idToToken(BYTE_ORDER.indexOf(0x20))).toBe('Ġ');
    expect(tok.vocabSize).toBe(262);
    expect(tok.endOfTextId).toBe(261);
    expect(tok.specialTokens).toEqual({ '<|endoftext|>': 261 });
    // h-e, e-l, l-l and l-o all occur 3 times; the smallest pair of ids, (e, l), wins the tie.
    expect(tok.idToToken(256)).toBe('el');
  });

  it('never merges across or into special tokens', () => {
    const text = 'ab<|endoftext|>ab<|endoftext|>ab';
    const tok = trainBpe(text, { vocabSize: 300 });
    for (let id = 256; id < tok.vocabSize - 1; id++) expect(tok.idToToken(id)).not.toMatch(/[<|>]/);
    expect(Array.from(tok.encode(text, { allowedSpecial: 'all' }), (id) => tok.idToToken(id))).toEqual([
      'ab',
      '<|endoftext|>',
      'ab',
      '<|endoftext|>',
      'ab',
    ]);
  });

  it('stops at minFrequency and when no pair is left', () => {
    const rare = trainBpe('ab ab ab cd', { vocabSize: 300, minFrequency: 2 });
    expect(rare.merges.map(([a, b]) => rare.idToToken(a)! + rare.idToToken(b))).toEqual(['ab', 'Ġab']);
    const all = trainBpe('ab ab ab cd', { vocabSize: 1000 });
    expect(all.vocabSize).toBeLessThan(1000);
    expect(all.encode('ab ab ab cd').length).toBe(4);
  });

  it('rejects a vocabulary smaller than the bytes plus specials, and empty text', () => {
    expect(() => trainBpe('abc', { vocabSize: 256 })).toThrow(
      /vocabSize 256 is smaller than the base alphabet \(256 bytes \+ 1 special tokens = 257\)/,
    );
    expect(() => trainBpe('', { vocabSize: 300 })).toThrow(/training text is empty/);
    expect(() => trainBpe([], { vocabSize: 300 })).toThrow(/training text is empty/);
    expect(() => trainBpe('abc', { vocabSize: 300, specialTokens: ['x', 'x'] })).toThrow(/given twice/);
  });

  it('accepts many texts; a word never spans two of them', () => {
    const one = trainBpe(['ab', 'cd'], { vocabSize: 300 });
    expect(one.merges.map(([a, b]) => one.idToToken(a)! + one.idToToken(b))).toEqual(['ab', 'cd']);
  });
});
