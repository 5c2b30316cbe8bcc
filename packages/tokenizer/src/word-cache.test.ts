import { describe, expect, it } from 'vitest';
import { WordCache } from './word-cache.js';

const ids = (...xs: number[]) => Int32Array.from(xs);
function lookup(cache: WordCache, text: string, i = 0, j = text.length): number[] | undefined {
  if (!cache.find(text, i, j, WordCache.hash(text, i, j))) return undefined;
  return Array.from(cache.ids.subarray(cache.start, cache.start + cache.length));
}

describe('WordCache', () => {
  it('finds a word by a range of a larger text, and only that word', () => {
    const cache = new WordCache();
    cache.insert(' the', 0, 4, WordCache.hash(' the', 0, 4), ids(262), 1);
    cache.insert('xaby', 1, 3, WordCache.hash('xaby', 1, 3), ids(1, 2, 3), 3);
    expect(lookup(cache, 'in the end', 2, 6)).toEqual([262]);
    expect(lookup(cache, 'ab')).toEqual([1, 2, 3]);
    expect(lookup(cache, ' tha')).toBeUndefined();
    expect(lookup(cache, 'a')).toBeUndefined();
  });

  it('grows, and starts over when full, keeping every answer right', () => {
    const cache = new WordCache(500, 1 << 12);
    const words = Array.from({ length: 3000 }, (_, k) => `w${k.toString(36)}`);
    words.forEach((w, k) => {
      const found = lookup(cache, w);
      if (found) expect(found).toEqual([k, k + 1]);
      else cache.insert(w, 0, w.length, WordCache.hash(w, 0, w.length), ids(k, k + 1), 2);
      expect(lookup(cache, w)).toEqual([k, k + 1]);
    });
    expect(lookup(cache, words[0])).toBeUndefined(); // cleared since
  });
});
