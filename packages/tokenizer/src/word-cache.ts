/**
 * The encoder's cache of word → ids, looked up by a range of the text without cutting it out: the key is hashed
 * from the text's code units and compared in place against a copy kept in a typed array. Nothing in the cache is
 * a JavaScript object, so a hit (nearly every word of real text) allocates nothing and the garbage collector never
 * walks it. The table grows as needed and starts over when it holds `capacity` words.
 */
export class WordCache {
  /** Per slot: hash, where the key's code units and the ids start in their pools, and their lengths (-1: empty). */
  private hashes = new Int32Array(1024);
  private keyStarts = new Int32Array(1024);
  private keyLengths = new Int32Array(1024).fill(-1);
  private idStarts = new Int32Array(1024);
  private idLengths = new Int32Array(1024);
  private mask = 1023;
  private keyPool = new Uint16Array(1 << 14);
  private idPool = new Int32Array(1 << 14);
  private keysUsed = 0;
  private idsUsed = 0;
  private count = 0;
  /** Where the last hit's ids are: `ids[start, start + length)`. */
  start = 0;
  length = 0;

  constructor(
    private readonly capacity = 1 << 18,
    private readonly maxPool = 1 << 23,
  ) {}

  /** The pool of ids (valid until the next `insert`). */
  get ids(): Int32Array {
    return this.idPool;
  }

  static hash(text: string, i: number, j: number): number {
    let h = 0x811c9dc5 ^ (j - i);
    for (let k = i; k < j; k++) h = Math.imul(h ^ text.charCodeAt(k), 0x01000193);
    return h ^ (h >>> 15);
  }

  /** Looks up `text[i, j)` with hash `h`; on a hit sets `start` and `length` and returns true. */
  find(text: string, i: number, j: number, h: number): boolean {
    const n = j - i;
    const lengths = this.keyLengths;
    const pool = this.keyPool;
    let s = h & this.mask;
    for (;;) {
      const len = lengths[s];
      if (len < 0) return false;
      if (len === n && this.hashes[s] === h) {
        const at = this.keyStarts[s] - i;
        let k = i;
        while (k < j && pool[at + k] === text.charCodeAt(k)) k++;
        if (k === j) {
          this.start = this.idStarts[s];
          this.length = this.idLengths[s];
          return true;
        }
      }
      s = (s + 1) & this.mask;
    }
  }

  /** Stores `ids[0, n)` for the word `text[i, j)` (whose hash is `h`). */
  insert(text: string, i: number, j: number, h: number, ids: Int32Array, n: number): void {
    const keyLength = j - i;
    if (this.count >= this.capacity || this.keysUsed + keyLength > this.maxPool || this.idsUsed + n > this.maxPool)
      this.clear();
    if ((this.count + 1) * 2 > this.keyLengths.length) this.growTable();
    if (this.keysUsed + keyLength > this.keyPool.length) {
      const grown = new Uint16Array(Math.max(this.keysUsed + keyLength, this.keyPool.length * 2));
      grown.set(this.keyPool.subarray(0, this.keysUsed));
      this.keyPool = grown;
    }
    if (this.idsUsed + n > this.idPool.length) {
      const grown = new Int32Array(Math.max(this.idsUsed + n, this.idPool.length * 2));
      grown.set(this.idPool.subarray(0, this.idsUsed));
      this.idPool = grown;
    }
    for (let k = 0; k < keyLength; k++) this.keyPool[this.keysUsed + k] = text.charCodeAt(i + k);
    this.idPool.set(ids.subarray(0, n), this.idsUsed);
    this.place(h, this.keysUsed, keyLength, this.idsUsed, n);
    this.keysUsed += keyLength;
    this.idsUsed += n;
    this.count++;
  }

  clear(): void {
    this.keyLengths.fill(-1);
    this.keysUsed = 0;
    this.idsUsed = 0;
    this.count = 0;
  }

  private place(h: number, keyStart: number, keyLength: number, idStart: number, idLength: number): void {
    let s = h & this.mask;
    while (this.keyLengths[s] >= 0) s = (s + 1) & this.mask;
    this.hashes[s] = h;
    this.keyStarts[s] = keyStart;
    this.keyLengths[s] = keyLength;
    this.idStarts[s] = idStart;
    this.idLengths[s] = idLength;
  }

  private growTable(): void {
    const { hashes, keyStarts, keyLengths, idStarts, idLengths } = this;
    const size = keyLengths.length * 2;
    this.hashes = new Int32Array(size);
    this.keyStarts = new Int32Array(size);
    this.keyLengths = new Int32Array(size).fill(-1);
    this.idStarts = new Int32Array(size);
    this.idLengths = new Int32Array(size);
    this.mask = size - 1;
    for (let s = 0; s < keyLengths.length; s++) {
      if (keyLengths[s] >= 0) this.place(hashes[s], keyStarts[s], keyLengths[s], idStarts[s], idLengths[s]);
    }
  }
}
