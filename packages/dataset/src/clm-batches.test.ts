import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ClmBatch, clmBatches, IGNORE_INDEX } from './clm-batches.js';

// A word-level toy vocabulary: each word is one token.
const SENTENCE = 'The quick brown fox jumps over the lazy';
const WORDS = SENTENCE.split(' ');
const VOCAB = [...new Set(WORDS)].sort();
const ids = Int32Array.from(WORDS, (w) => VOCAB.indexOf(w));
const word = (id: number) => VOCAB[id];

function rows(batch: ClmBatch, key: 'inputs' | 'targets'): number[][] {
  const [B, T] = batch.shape;
  return Array.from({ length: B }, (_, b) => Array.from(batch[key].subarray(b * T, (b + 1) * T)));
}

describe('clmBatches — the shift-by-one', () => {
  it('predicts the next word at every position (hand-checked)', () => {
    // 8 words, block 3: windows start in [0, 8 - 3 - 1] = [0, 4].
    const it3 = clmBatches(ids, { blockSize: 3, batchSize: 4, seed: 1 });
    const seen = new Set<number>();
    for (let k = 0; k < 50; k++) {
      const batch = it3.nextBatch()!;
      expect(batch.shape).toEqual([4, 3]);
      for (let b = 0; b < 4; b++) {
        const i = batch.offsets[b];
        seen.add(i);
        const inputs = rows(batch, 'inputs')[b].map(word);
        const targets = rows(batch, 'targets')[b].map(word);
        expect(inputs).toEqual(WORDS.slice(i, i + 3));
        expect(targets).toEqual(WORDS.slice(i + 1, i + 4));
      }
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
    // Written out once: the window at 2 reads "brown fox jumps" and must predict "fox jumps over".
    const seq = clmBatches(ids, { blockSize: 3, batchSize: 1, mode: 'sequential' });
    seq.nextBatch();
    const second = seq.nextBatch()!;
    expect(rows(second, 'inputs')[0].map(word)).toEqual(['fox', 'jumps', 'over']);
    expect(rows(second, 'targets')[0].map(word)).toEqual(['jumps', 'over', 'the']);
  });

  it('sequential mode covers every target exactly once, padding the last window with -100', () => {
    // 8 tokens → 7 targets; block 3 → windows at 0, 3, 6 with 3, 3, 1 targets.
    const batches = [...clmBatches(ids, { blockSize: 3, batchSize: 2, mode: 'sequential' })];
    expect(batches.map((b) => b.shape)).toEqual([
      [2, 3],
      [1, 3],
    ]);
    expect(Array.from(batches[0].offsets)).toEqual([0, 3]);
    expect(Array.from(batches[1].offsets)).toEqual([6]);
    expect(Array.from(batches[1].inputs)).toEqual([ids[6], 0, 0]);
    expect(Array.from(batches[1].targets)).toEqual([ids[7], IGNORE_INDEX, IGNORE_INDEX]);
    expect(batches.reduce((s, b) => s + b.targetCount, 0)).toBe(7);
    const targets = batches.flatMap((b) => Array.from(b.targets).filter((t) => t !== IGNORE_INDEX));
    expect(targets).toEqual(Array.from(ids.subarray(1)));
    expect(clmBatches(ids, { blockSize: 3, batchSize: 2, mode: 'sequential' }).batchCount).toBe(2);
  });

  it('refuses a block size the data cannot fill, with a clear message', () => {
    expect(() => clmBatches(ids, { blockSize: 8, batchSize: 1 })).toThrow(
      /block size 8 needs at least 9 tokens.*the data has 8/,
    );
    expect(() => clmBatches(ids, { blockSize: 100, batchSize: 1 })).toThrow(/block size 100/);
    expect(() => clmBatches(ids, { blockSize: 7, batchSize: 1 })).not.toThrow();
    expect(() => clmBatches(ids, { blockSize: 0, batchSize: 1 })).toThrow(/blockSize must be a positive integer/);
    expect(() => clmBatches(ids, { blockSize: 2, batchSize: 1.5 })).toThrow(/batchSize/);
    expect(() => clmBatches([1], { blockSize: 2, batchSize: 1, mode: 'sequential' })).toThrow(/at least 2/);
  });

  it('gives the same batches for the same seed and other batches for another seed', () => {
    const data = Int32Array.from({ length: 5000 }, (_, i) => (i * 7919) % 1000);
    const take = (seed: number) => {
      const it = clmBatches(data, { blockSize: 16, batchSize: 4, seed });
      return Array.from({ length: 5 }, () => Array.from(it.nextBatch()!.inputs));
    };
    expect(take(1337)).toEqual(take(1337));
    expect(take(1337)).not.toEqual(take(1338));
  });

  it('resumes from a saved state with exactly the batches it would have made', () => {
    const data = Uint16Array.from({ length: 3000 }, (_, i) => i % 65);
    for (const mode of ['random', 'sequential'] as const) {
      const a = clmBatches(data, { blockSize: 32, batchSize: 5, seed: 9, mode });
      for (let k = 0; k < 7; k++) a.nextBatch();
      const saved = JSON.parse(JSON.stringify(a.state));
      const b = clmBatches(data, { blockSize: 32, batchSize: 5, seed: 12345, mode, state: saved });
      for (let k = 0; k < 5; k++) {
        const x = a.nextBatch()!;
        const y = b.nextBatch()!;
        expect(Array.from(y.inputs)).toEqual(Array.from(x.inputs));
        expect(Array.from(y.targets)).toEqual(Array.from(x.targets));
      }
      expect(b.state).toEqual(a.state);
    }
  });

  it('refuses a saved state made for other data or shapes', () => {
    const data = Int32Array.from({ length: 500 }, (_, i) => i % 10);
    const state = clmBatches(data, { blockSize: 8, batchSize: 2, seed: 1 }).state;
    expect(() => clmBatches(data.subarray(1), { blockSize: 8, batchSize: 2, state })).toThrow(
      /made for tokens 500, but this run has tokens 499/,
    );
    expect(() => clmBatches(data, { blockSize: 16, batchSize: 2, state })).toThrow(/blockSize/);
    expect(() => clmBatches(data, { blockSize: 8, batchSize: 2, mode: 'sequential', state })).toThrow(/mode/);
    expect(() => clmBatches(data, { blockSize: 8, batchSize: 2, state: { ...state, rng: [0, 0, 0, 0] } })).toThrow(
      /rng/,
    );
  });

  it('property: targets[t] = inputs[t + 1] in every window, and windows never run past the data', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 300 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer(),
        fc.constantFrom('random', 'sequential'),
        (n, T, B, seed, mode) => {
          fc.pre(mode === 'sequential' || n > T);
          const data = Int32Array.from({ length: n }, (_, i) => (i * 31 + 7) % 97);
          const iter = clmBatches(data, { blockSize: T, batchSize: B, seed, mode: mode as 'random' | 'sequential' });
          for (let k = 0; k < 4; k++) {
            const batch = iter.nextBatch();
            if (!batch) break;
            const rowsN = batch.shape[0];
            for (let b = 0; b < rowsN; b++) {
              const i = batch.offsets[b];
              for (let t = 0; t < T; t++) {
                const target = batch.targets[b * T + t];
                if (target === IGNORE_INDEX) {
                  // only a sequential pass's last window, past the end of the data
                  expect(mode).toBe('sequential');
                  expect(i + t + 1).toBeGreaterThanOrEqual(n);
                  continue;
                }
                expect(i + t + 1).toBeLessThan(n);
                expect(batch.inputs[b * T + t]).toBe(data[i + t]);
                expect(target).toBe(data[i + t + 1]);
                if (t + 1 < T && batch.targets[b * T + t + 1] !== IGNORE_INDEX)
                  expect(target).toBe(batch.inputs[b * T + t + 1]);
              }
              if (mode === 'random') expect(i + T).toBeLessThanOrEqual(n - 1);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('draws start offsets uniformly over [0, n − T − 1], like nanoGPT get_batch', () => {
    const n = 50;
    const T = 10;
    const counts = new Array(n).fill(0);
    const iter = clmBatches(new Int32Array(n), { blockSize: T, batchSize: 64, seed: 3 });
    for (let k = 0; k < 400; k++) for (const i of iter.nextBatch()!.offsets) counts[i]++;
    const draws = 400 * 64;
    expect(counts.slice(n - T)).toEqual(new Array(T).fill(0));
    for (const c of counts.slice(0, n - T)) expect(Math.abs(c / draws - 1 / (n - T))).toBeLessThan(0.006);
    expect(counts[n - T - 1]).toBeGreaterThan(0);
  });
});
