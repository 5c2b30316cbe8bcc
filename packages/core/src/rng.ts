/**
 * Seeded randomness: xoshiro128** over four uint32 words, seeded through splitmix32.
 *
 * Pure integer arithmetic (Math.imul), so the same seed gives the same stream in every JS engine and on every
 * compute backend. The whole state is four numbers: `rng.state` saves it and `Rng.fromState` restores it, which is
 * what an exact resume needs.
 */
export type RngState = [number, number, number, number];

const TWO_POW_32 = 4294967296;

function splitmix32(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** FNV-1a over a string, for string seeds and named sub-streams. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export class Rng {
  private readonly s = new Uint32Array(4);

  constructor(seed: number | string = 0) {
    const base = typeof seed === 'string' ? hashString(seed) : seed;
    if (!Number.isFinite(base)) throw new RangeError(`seed must be a finite number, got ${seed}`);
    const lo = base >>> 0;
    const hi = Math.floor(Math.abs(base) / TWO_POW_32) >>> 0;
    const mix = splitmix32(lo ^ Math.imul(hi, 0x9e3779b1));
    for (let i = 0; i < 4; i++) this.s[i] = mix();
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
  }

  static fromState(state: readonly number[]): Rng {
    if (state.length !== 4 || state.some((v) => !Number.isInteger(v) || v < 0 || v >= TWO_POW_32)) {
      throw new RangeError('an RNG state is four unsigned 32-bit integers');
    }
    if (state.every((v) => v === 0)) throw new RangeError('an all-zero RNG state is invalid');
    const rng = new Rng(0);
    rng.s.set(state);
    return rng;
  }

  /** A copy of the state: `Rng.fromState(rng.state)` continues the same stream. */
  get state(): RngState {
    return [this.s[0], this.s[1], this.s[2], this.s[3]];
  }

  /** A new independent stream derived from this one's seed material and a label; this stream is not advanced. */
  derive(label: string): Rng {
    const [a, b, c, d] = this.state;
    return new Rng((a ^ Math.imul(b, 31) ^ Math.imul(c, 131) ^ Math.imul(d, 1031) ^ hashString(label)) >>> 0);
  }

  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /** Uniform integer in [0, n), without modulo bias; n ≤ 2^32. */
  int(n: number): number {
    if (!(n >= 1) || n > TWO_POW_32 || !Number.isInteger(n))
      throw new RangeError(`int(n) needs 1 ≤ n ≤ 2^32, got ${n}`);
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /** Standard normal by Box–Muller (no cached spare, so the state stays four words). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T extends { length: number; [i: number]: unknown }>(items: T): T {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
