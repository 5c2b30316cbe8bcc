/**
 * The encoder's cache of word → ids, looked up by a range of the text without cutting it out: the key is hashed
 * from the text's code units and compared in place, so a hit (nearly every word of real text) allocates nothing.
 * Ids live in one pool. The table grows as needed and starts over when it holds `capacity` words.
 */
export class WordCache {
  private keys: (string | undefined)[] = new Array(1024).fill(undefined);
  private hashes = new Int32Array(1024);
  private starts = new Int32Array(1024);
  private lengths = new Int32Array(1024);
  private mask = 1023;
  private pool = new Int32Array(4096);
  private used = 0;
  private count = 0;
  /** Where the last hit's ids are: `ids[start, start + length)`. */
  start = 0;
  length = 0;

  constructor(
    private readonly capacity = 1 << 18,
    private readonly maxPool = 1 << 22,
  ) {}

  /** The pool of ids (valid until the next `insert`). */
  get ids(): Int32Array {
    return this.pool;
  }

  static hash(text: string, i: number, j: number): number {
    let h = 0x811c9dc5 ^ (j - i);
    for (let k = i; k < j; k++) h = Math.imul(h ^ text.charCodeAt(k), 0x01000193);
    return h ^ (h >>> 15);
  }

  /** Looks up `text[i, j)` with hash `h`; on a hit sets `start` and `length` and returns true. */
  find(text: string, i: number, j: number, h: number): boolean {
    const n = j - i;
    const keys = this.keys;
    let s = h & this.mask;
    for (;;) {
      const key = keys[s];
      if (key === undefined) return false;
      if (this.hashes[s] === h && key.length === n) {
        let k = 0;
        while (k < n && key.charCodeAt(k) === text.charCodeAt(i + k)) k++;
        if (k === n) {
          this.start = this.starts[s];
          this.length = this.lengths[s];
          return true;
        }
      }
      s = (s + 1) & this.mask;
    }
  }

  /** Stores `ids[0, n)` for `key` (whose hash is `h`). */
  insert(key: string, h: number, ids: Int32Array, n: number): void {
    if (this.count >= this.capacity || this.used + n > this.maxPool) this.clear();
    if ((this.count + 1) * 2 > this.keys.length) this.growTable();
    if (this.used + n > this.pool.length) {
      const grown = new Int32Array(Math.max(this.used + n, this.pool.length * 2));
      grown.set(this.pool.subarray(0, this.used));
      this.pool = grown;
    }
    this.place(key, h, this.used, n);
    this.pool.set(ids.subarray(0, n), this.used);
    this.used += n;
    this.count++;
  }

  clear(): void {
    this.keys.fill(undefined);
    this.used = 0;
    this.count = 0;
  }

  private place(key: string, h: number, start: number, n: number): void {
    let s = h & this.mask;
    while (this.keys[s] !== undefined) s = (s + 1) & this.mask;
    this.keys[s] = key;
    this.hashes[s] = h;
    this.starts[s] = start;
    this.lengths[s] = n;
  }

  private growTable(): void {
    const { keys, hashes, starts, lengths } = this;
    const size = keys.length * 2;
    this.keys = new Array(size).fill(undefined);
    this.hashes = new Int32Array(size);
    this.starts = new Int32Array(size);
    this.lengths = new Int32Array(size);
    this.mask = size - 1;
    for (let s = 0; s < keys.length; s++) {
      const key = keys[s];
      if (key !== undefined) this.place(key, hashes[s], starts[s], lengths[s]);
    }
  }
}
