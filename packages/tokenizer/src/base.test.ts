import { describe, expect, it } from 'vitest';
import { getStats, merge, pairKey } from './base.js';
import { trainBpe } from './bpe-trainer.js';

describe('BPE primitives', () => {
  it('getStats counts adjacent pairs, with a weight', () => {
    const stats = getStats([1, 2, 3, 1, 2]);
    expect(stats.get(pairKey(1, 2))).toBe(2);
    expect(stats.get(pairKey(2, 3))).toBe(1);
    expect(stats.get(pairKey(3, 1))).toBe(1);
    expect(stats.size).toBe(3);
    getStats([1, 2], stats, 5);
    expect(stats.get(pairKey(1, 2))).toBe(7);
  });

  it('merge replaces occurrences left to right without overlap', () => {
    expect(Array.from(merge([5, 6, 5, 6, 7], 5, 6, 99))).toEqual([99, 99, 7]);
    expect(Array.from(merge([1, 1, 1], 1, 1, 9))).toEqual([9, 1]);
    expect(Array.from(merge([1, 1, 1, 1], 1, 1, 9))).toEqual([9, 9]);
    expect(Array.from(merge([], 1, 1, 9))).toEqual([]);
  });
});

describe('the textbook example (Wikipedia, "Byte pair encoding")', () => {
  // aaabdaaabac: aa → Z, then ab → Y (tied with Za; the smaller pair wins), then ZY → X: XdXac.
  it('learns aa, ab, then aaab and encodes the text as XdXac', () => {
    const tok = trainBpe('aaabdaaabac', { vocabSize: 256 + 3, specialTokens: [] });
    const merged = tok.merges.map(([a, b]) => [tok.idToToken(a), tok.idToToken(b)]);
    expect(merged).toEqual([
      ['a', 'a'],
      ['a', 'b'],
      ['aa', 'ab'],
    ]);
    const ids = tok.encode('aaabdaaabac');
    expect(Array.from(ids, (id) => tok.idToToken(id))).toEqual(['aaab', 'd', 'aaab', 'a', 'c']);
    expect(tok.decode(ids)).toBe('aaabdaaabac');
  });
});
