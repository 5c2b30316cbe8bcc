/**
 * Applying BPE merges to one word, fast: a pair → (rank, result) hash table in typed arrays (no allocation per
 * lookup), and the merge loop on a small `Int32Array`. Lowest rank first; among equal ranks, the leftmost pair —
 * the order of tiktoken's `byte_pair_merge` and of Hugging Face's `Word::merge_all`.
 */

export class MergeTable {
  private keysA: Int32Array;
  private keysB: Int32Array;
  /** Rank (merge priority, lower first) per slot. */
  ranks: Int32Array;
  /** The id a pair becomes, per slot. */
  results: Int32Array;
  private mask: number;
  private count = 0;

  constructor(expected = 1024) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.keysA = new Int32Array(cap).fill(-1);
    this.keysB = new Int32Array(cap);
    this.ranks = new Int32Array(cap);
    this.results = new Int32Array(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  private slotFor(a: number, b: number): number {
    return (Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca6b)) & this.mask;
  }

  /** Slot of the pair `(a, b)`, or -1. */
  find(a: number, b: number): number {
    const keysA = this.keysA;
    let s = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca6b)) & this.mask;
    for (;;) {
      const k = keysA[s];
      if (k === -1) return -1;
      if (k === a && this.keysB[s] === b) return s;
      s = (s + 1) & this.mask;
    }
  }

  /** Adds a pair; a pair that is already present keeps its first (lowest) rank. */
  set(a: number, b: number, rank: number, result: number): void {
    if ((this.count + 1) * 2 > this.keysA.length) this.grow();
    let s = this.slotFor(a, b);
    while (this.keysA[s] !== -1) {
      if (this.keysA[s] === a && this.keysB[s] === b) return;
      s = (s + 1) & this.mask;
    }
    this.keysA[s] = a;
    this.keysB[s] = b;
    this.ranks[s] = rank;
    this.results[s] = result;
    this.count++;
  }

  private grow(): void {
    const { keysA, keysB, ranks, results } = this;
    const cap = keysA.length * 2;
    this.keysA = new Int32Array(cap).fill(-1);
    this.keysB = new Int32Array(cap);
    this.ranks = new Int32Array(cap);
    this.results = new Int32Array(cap);
    this.mask = cap - 1;
    this.count = 0;
    for (let s = 0; s < keysA.length; s++) if (keysA[s] !== -1) this.set(keysA[s], keysB[s], ranks[s], results[s]);
  }
}

const NONE = 0x7fffffff;
/** Words longer than this use the heap version (O(n log n) rather than O(n²)). */
const SHORT_WORD = 96;

/** Merges `ids[0, n)` in place by rank; returns the new length. */
export function applyMerges(table: MergeTable, ids: Int32Array, n: number, scratch: Int32Array): number {
  return n > SHORT_WORD ? applyMergesLong(table, ids, n) : applyMergesShort(table, ids, n, scratch);
}

/** The rank of each adjacent pair is kept in `scratch` and only the two around a merge are looked up again. */
function applyMergesShort(table: MergeTable, ids: Int32Array, n: number, ranks: Int32Array): number {
  const tr = table.ranks;
  for (let i = 0; i + 1 < n; i++) {
    const s = table.find(ids[i], ids[i + 1]);
    ranks[i] = s < 0 ? NONE : tr[s];
  }
  while (n > 1) {
    let best = NONE;
    let at = -1;
    for (let i = 0; i + 1 < n; i++) {
      if (ranks[i] < best) {
        best = ranks[i];
        at = i;
      }
    }
    if (at < 0) break;
    ids[at] = table.results[table.find(ids[at], ids[at + 1])];
    for (let i = at + 1; i + 1 < n; i++) {
      ids[i] = ids[i + 1];
      ranks[i] = ranks[i + 1];
    }
    n--;
    if (at > 0) {
      const s = table.find(ids[at - 1], ids[at]);
      ranks[at - 1] = s < 0 ? NONE : tr[s];
    }
    if (at + 1 < n) {
      const s = table.find(ids[at], ids[at + 1]);
      ranks[at] = s < 0 ? NONE : tr[s];
    }
  }
  return n;
}

/**
 * Hugging Face's method for long words: symbols in a linked list, candidate merges in a min-heap ordered by
 * (rank, position); an entry whose pair has changed since it was pushed is skipped.
 */
function applyMergesLong(table: MergeTable, ids: Int32Array, n: number): number {
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  const alive = new Uint8Array(n).fill(1);
  for (let i = 0; i < n; i++) {
    next[i] = i + 1 < n ? i + 1 : -1;
    prev[i] = i - 1;
  }
  // heap of (rank, pos) packed as rank * 2^21 + pos... ranks and positions can be large, so two parallel arrays.
  let heapRank = new Int32Array(n);
  let heapPos = new Int32Array(n);
  let size = 0;
  const push = (rank: number, pos: number) => {
    if (size === heapRank.length) {
      const r = new Int32Array(size * 2);
      r.set(heapRank);
      heapRank = r;
      const p = new Int32Array(size * 2);
      p.set(heapPos);
      heapPos = p;
    }
    let i = size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heapRank[parent] < rank || (heapRank[parent] === rank && heapPos[parent] < pos)) break;
      heapRank[i] = heapRank[parent];
      heapPos[i] = heapPos[parent];
      i = parent;
    }
    heapRank[i] = rank;
    heapPos[i] = pos;
  };
  const pop = () => {
    const rank = heapRank[--size];
    const pos = heapPos[size];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= size) break;
      if (
        c + 1 < size &&
        (heapRank[c + 1] < heapRank[c] || (heapRank[c + 1] === heapRank[c] && heapPos[c + 1] < heapPos[c]))
      )
        c++;
      if (heapRank[c] > rank || (heapRank[c] === rank && heapPos[c] > pos)) break;
      heapRank[i] = heapRank[c];
      heapPos[i] = heapPos[c];
      i = c;
    }
    heapRank[i] = rank;
    heapPos[i] = pos;
  };
  const tr = table.ranks;
  for (let i = 0; i + 1 < n; i++) {
    const s = table.find(ids[i], ids[i + 1]);
    if (s >= 0) push(tr[s], i);
  }
  while (size > 0) {
    const rank = heapRank[0];
    const pos = heapPos[0];
    pop();
    if (!alive[pos]) continue;
    const right = next[pos];
    if (right < 0) continue;
    const s = table.find(ids[pos], ids[right]);
    if (s < 0 || tr[s] !== rank) continue; // stale: the pair at pos has changed
    ids[pos] = table.results[s];
    alive[right] = 0;
    const after = next[right];
    next[pos] = after;
    if (after >= 0) prev[after] = pos;
    const before = prev[pos];
    if (before >= 0) {
      const s2 = table.find(ids[before], ids[pos]);
      if (s2 >= 0) push(tr[s2], before);
    }
    if (after >= 0) {
      const s3 = table.find(ids[pos], ids[after]);
      if (s3 >= 0) push(tr[s3], pos);
    }
  }
  let m = 0;
  for (let i = 0; i >= 0; i = next[i]) ids[m++] = ids[i];
  return m;
}
