/**
 * Learning BPE merges, incrementally (the algorithm of Hugging Face's `BpeTrainer`):
 * - the corpus is a list of distinct words, each a sequence of symbol ids, with its count;
 * - pair counts are computed once; each merge then updates only the counts around the places it changes, in the
 *   words that contain the pair (each pair remembers which words it occurs in);
 * - the best pair comes from a priority queue whose entries may be stale (counts only fall, except for pairs
 *   with the new token, which are pushed afresh): a popped entry whose count is out of date is pushed back with
 *   its current count.
 * Order: the highest count first; ties go to the smaller (left id, right id). `referenceLearnMerges` in the tests
 * recounts every pair before each merge and must give the same merges.
 *
 * When two merges spell the same string (`a + bc` and `ab + c`), the second reuses the first one's id, as Hugging
 * Face does, so the vocabulary has no duplicates; a pair that is merged again is not listed twice.
 */
import { pairKey } from './base.js';
import { PairQueue } from './priority-queue.js';

export interface LearnInput {
  /** Each distinct word as symbol ids (ids of `vocab`). */
  words: readonly Int32Array[];
  /** How often each word occurs. */
  counts: readonly number[];
  /** Token string of each id so far; learned tokens are appended to it. */
  vocab: string[];
  /** The string a merged pair spells (byte-level: `a + b`; WordPiece: `a + b` without `b`'s `##`). */
  join: (a: string, b: string) => string;
  /** Stop when the vocabulary has this many tokens. */
  targetSize: number;
  /** Pairs seen fewer times than this are never merged (default 0, as in Hugging Face). */
  minFrequency?: number;
}

export interface LearnResult {
  /** Merges in order, as id pairs. */
  merges: [number, number][];
  /** The vocabulary, learned tokens appended. */
  vocab: string[];
}

class GrowableInt32 {
  data = new Int32Array(1024);
  ensure(n: number): void {
    if (n <= this.data.length) return;
    let cap = this.data.length;
    while (cap < n) cap *= 2;
    const next = new Int32Array(cap);
    next.set(this.data);
    this.data = next;
  }
}

export function learnMerges(input: LearnInput): LearnResult {
  const { words, counts, join, targetSize } = input;
  const minFrequency = input.minFrequency ?? 0;
  const vocab = input.vocab;
  const index = new Map<string, number>(vocab.map((t, id) => [t, id]));

  // All words in one array; a merge shrinks a word in place.
  let total = 0;
  for (const w of words) total += w.length;
  const sym = new Int32Array(total);
  const start = new Int32Array(words.length);
  const len = new Int32Array(words.length);
  const weight = Float64Array.from(counts);
  let at = 0;
  words.forEach((w, i) => {
    start[i] = at;
    len[i] = w.length;
    sym.set(w, at);
    at += w.length;
  });

  // Pairs: key → index; per pair its ids, count, and the words it occurs in (may hold words it has left).
  const pairIndex = new Map<number, number>();
  const pairLeft = new GrowableInt32();
  const pairRight = new GrowableInt32();
  let pairCount = new Float64Array(1024);
  const pairWords: number[][] = [];
  const lastWord = new GrowableInt32();
  const touched = new GrowableInt32();
  let nPairs = 0;

  const pairOf = (a: number, b: number): number => {
    const key = pairKey(a, b);
    let p = pairIndex.get(key);
    if (p === undefined) {
      p = nPairs++;
      pairIndex.set(key, p);
      pairLeft.ensure(nPairs);
      pairRight.ensure(nPairs);
      lastWord.ensure(nPairs);
      touched.ensure(nPairs);
      if (nPairs > pairCount.length) {
        const c = new Float64Array(pairCount.length * 2);
        c.set(pairCount);
        pairCount = c;
      }
      pairLeft.data[p] = a;
      pairRight.data[p] = b;
      lastWord.data[p] = -1;
      touched.data[p] = -1;
      pairWords.push([]);
    }
    return p;
  };
  const noteWord = (p: number, w: number) => {
    if (lastWord.data[p] !== w) {
      lastWord.data[p] = w;
      pairWords[p].push(w);
    }
  };

  for (let w = 0; w < words.length; w++) {
    for (let i = start[w], end = start[w] + len[w] - 1; i < end; i++) {
      const p = pairOf(sym[i], sym[i + 1]);
      pairCount[p] += weight[w];
      noteWord(p, w);
    }
  }
  const queue = new PairQueue();
  for (let p = 0; p < nPairs; p++)
    if (pairCount[p] > 0) queue.push(pairCount[p], pairLeft.data[p], pairRight.data[p], p);

  const merges: [number, number][] = [];
  const merged = new Set<number>();
  const seen = new Int32Array(words.length).fill(-1);
  const changed: number[] = [];
  let step = 0;
  while (vocab.length < targetSize && queue.length > 0) {
    const count = queue.topCount();
    const p = queue.pop();
    if (count !== pairCount[p]) {
      if (pairCount[p] > 0) queue.push(pairCount[p], pairLeft.data[p], pairRight.data[p], p);
      continue;
    }
    if (count < 1 || count < minFrequency) break;
    const a = pairLeft.data[p];
    const b = pairRight.data[p];
    const text = join(vocab[a], vocab[b]);
    let x = index.get(text);
    if (x === undefined) {
      x = vocab.length;
      vocab.push(text);
      index.set(text, x);
    }
    const key = pairKey(a, b);
    if (!merged.has(key)) {
      merged.add(key);
      merges.push([a, b]);
    }
    step++;
    changed.length = 0;
    const add = (l: number, r: number, w: number, c: number) => {
      const q = pairOf(l, r);
      pairCount[q] += c;
      noteWord(q, w);
      if (touched.data[q] !== step) {
        touched.data[q] = step;
        changed.push(q);
      }
    };
    const sub = (l: number, r: number, c: number) => {
      pairCount[pairIndex.get(pairKey(l, r))!] -= c;
    };
    for (const w of pairWords[p]) {
      if (seen[w] === step) continue;
      seen[w] = step;
      const s = start[w];
      const n = len[w];
      const c = weight[w];
      let o = 0;
      let r = 0;
      while (r < n) {
        if (r + 1 < n && sym[s + r] === a && sym[s + r + 1] === b) {
          if (o > 0) {
            const before = sym[s + o - 1];
            sub(before, a, c);
            add(before, x, w, c);
          }
          if (r + 2 < n) {
            const after = sym[s + r + 2];
            sub(b, after, c);
            add(x, after, w, c);
          }
          sym[s + o++] = x;
          r += 2;
        } else sym[s + o++] = sym[s + r++];
      }
      len[w] = o;
    }
    pairCount[p] = 0;
    pairWords[p] = [];
    lastWord.data[p] = -1;
    for (const q of changed) if (pairCount[q] > 0) queue.push(pairCount[q], pairLeft.data[q], pairRight.data[q], q);
  }
  return { merges, vocab };
}
