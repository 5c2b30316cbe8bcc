import { describe, expect, it } from 'vitest';
import { clmData, mlmData, unigramCrossEntropy } from './data.js';

describe('run data adapters', () => {
  it('CLM: labels are the inputs shifted by one, and a stream resumes from its state', () => {
    const tokens = Int32Array.from({ length: 200 }, (_, i) => i % 50);
    const data = clmData({ train: tokens, val: tokens.subarray(0, 30) }, { blockSize: 8, batchSize: 3 });
    const s = data.stream('train', 5);
    const b = s.next();
    expect(b.batchSize).toBe(3);
    expect(b.blockSize).toBe(8);
    for (let t = 0; t < 7; t++) expect(b.labels[t]).toBe(b.inputs[t + 1]);
    const saved = JSON.parse(JSON.stringify(s.getState()));
    const next = [s.next(), s.next()];
    const r = data.stream('train', 999);
    r.setState(saved);
    expect([r.next(), r.next()].map((x) => Array.from(x.inputs))).toEqual(next.map((x) => Array.from(x.inputs)));
  });

  it('CLM: refuses a block size larger than a split, naming the split', () => {
    const tokens = new Int32Array(100);
    expect(() => clmData({ train: tokens, val: tokens.subarray(0, 8) }, { blockSize: 8, batchSize: 1 })).toThrow(
      /--block-size 8 is larger than the data: the val split has 8 tokens and needs at least 9/,
    );
  });

  it('MLM: [CLS] … [SEP] rows with attention masks and -100 labels except where masked', () => {
    // ids: 0 [PAD], 1 [CLS], 2 [SEP], 3 [MASK], 4.. words; documents start with [CLS], sentences end with [SEP]
    const stream: number[] = [];
    for (let d = 0; d < 20; d++) {
      stream.push(1);
      for (let s = 0; s < 3; s++)
        stream.push(...Array.from({ length: 5 }, (_, i) => 4 + ((d * 7 + s * 3 + i) % 20)), 2);
    }
    const tokens = Int32Array.from(stream);
    const data = mlmData(
      { train: tokens, val: tokens },
      {
        blockSize: 16,
        batchSize: 4,
        mlmProbability: 0.3,
        vocabSize: 24,
        clsTokenId: 1,
        sepTokenId: 2,
        padTokenId: 0,
        maskTokenId: 3,
        specialTokenIds: [0, 1, 2, 3],
      },
    );
    const b = data.stream('train', 1).next();
    expect(b.attentionMask).toBeDefined();
    let labelled = 0;
    for (let i = 0; i < b.inputs.length; i++) {
      if (b.attentionMask![i] === 0) expect(b.labels[i]).toBe(-100);
      if (b.labels[i] !== -100) {
        labelled++;
        expect(b.labels[i]).toBeGreaterThanOrEqual(4);
      }
    }
    expect(labelled).toBeGreaterThan(0);
    expect(b.inputs[0]).toBe(1);
  });

  it('computes the unigram baseline by hand', () => {
    // train counts (+1 smoothing, vocab 3, id 0 excluded): id1 → 1+3 = 4, id2 → 1+1 = 2; total 6
    const ce = unigramCrossEntropy([1, 1, 1, 2, 0], [1, 2, 0], 3, [0]);
    expect(ce).toBeCloseTo((-Math.log(4 / 6) - Math.log(2 / 6)) / 2, 12);
  });
});
