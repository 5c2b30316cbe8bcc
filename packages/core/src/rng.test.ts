import { describe, expect, it } from 'vitest';
import { Rng } from './rng.js';

describe('Rng (xoshiro128**)', () => {
  it('matches the reference algorithm from state [1, 2, 3, 4]', () => {
    const rng = Rng.fromState([1, 2, 3, 4]);
    // result = rotl(s1 * 5, 7) * 9 = rotl(10, 7) * 9 = 1280 * 9
    expect(rng.nextUint32()).toBe(11520);
    // by hand: s2 ^= s0 → 2, s3 ^= s1 → 6, s1 ^= s2 → 0, s0 ^= s3 → 7, s2 ^= s1_old << 9 → 1026, s3 = rotl(6, 11)
    expect(rng.state).toEqual([7, 0, 1026, 12288]);
    expect(rng.nextUint32()).toBe(0);
  });

  it('gives the same stream for the same seed and a different one for another seed', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const xa = Array.from({ length: 8 }, () => a.nextUint32());
    expect(Array.from({ length: 8 }, () => b.nextUint32())).toEqual(xa);
    expect(Array.from({ length: 8 }, () => c.nextUint32())).not.toEqual(xa);
  });

  it('resumes exactly from a saved state', () => {
    const a = new Rng(7);
    for (let i = 0; i < 100; i++) a.next();
    const b = Rng.fromState(a.state);
    expect(Array.from({ length: 16 }, () => b.int(1000))).toEqual(Array.from({ length: 16 }, () => a.int(1000)));
  });

  it('draws integers uniformly without bias', () => {
    const rng = new Rng(1);
    const counts = new Array(6).fill(0);
    const n = 60_000;
    for (let i = 0; i < n; i++) counts[rng.int(6)]++;
    for (const c of counts) expect(Math.abs(c / n - 1 / 6)).toBeLessThan(0.01);
  });

  it('draws standard normals with mean 0 and variance 1', () => {
    const rng = new Rng(3);
    let sum = 0;
    let sq = 0;
    const n = 50_000;
    for (let i = 0; i < n; i++) {
      const x = rng.normal();
      sum += x;
      sq += x * x;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.02);
    expect(Math.abs(sq / n - 1)).toBeLessThan(0.03);
  });

  it('rejects bad states and seeds', () => {
    expect(() => Rng.fromState([0, 0, 0, 0])).toThrow(RangeError);
    expect(() => Rng.fromState([1, 2, 3])).toThrow(RangeError);
    expect(() => new Rng(Number.NaN)).toThrow(RangeError);
    expect(() => new Rng(1).int(0)).toThrow(RangeError);
  });

  it('derives independent named streams without advancing the parent', () => {
    const rng = new Rng(5);
    const before = rng.state;
    const d1 = rng.derive('dropout');
    const d2 = rng.derive('data');
    expect(rng.state).toEqual(before);
    expect(d1.nextUint32()).not.toBe(d2.nextUint32());
    expect(rng.derive('dropout').state).toEqual(new Rng(5).derive('dropout').state);
  });
});
