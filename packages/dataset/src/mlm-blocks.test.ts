import { describe, expect, it } from 'vitest';
import { IGNORE_INDEX } from './clm-batches.js';
import { mlmBatches } from './mlm-batches.js';
import { type MlmBlocks, mlmBlocks } from './mlm-blocks.js';

const PAD = 0;
const CLS = 2;
const SEP = 3;
const MASK = 4;
const EOT = 5;
const ids = { clsTokenId: CLS, sepTokenId: SEP, padTokenId: PAD };

function rowsOf(blocks: MlmBlocks): number[][] {
  const T = blocks.blockSize;
  return Array.from({ length: blocks.count }, (_, r) => Array.from(blocks.ids.subarray(r * T, (r + 1) * T)));
}

describe('mlmBlocks', () => {
  it('packs whole sentences of one document into [CLS] … [SEP] blocks padded with [PAD]', () => {
    // doc 1: sentences [10 11 12] [13 14] [15 16 17 18]; doc 2: [20 21]
    const stream = [CLS, 10, 11, 12, SEP, 13, 14, SEP, 15, 16, 17, 18, SEP, CLS, 20, 21, SEP];
    const blocks = mlmBlocks(stream, { ...ids, blockSize: 8 }); // room for 6 tokens
    expect(rowsOf(blocks)).toEqual([
      [CLS, 10, 11, 12, 13, 14, SEP, PAD],
      [CLS, 15, 16, 17, 18, SEP, PAD, PAD],
      [CLS, 20, 21, SEP, PAD, PAD, PAD, PAD],
    ]);
    expect(Array.from(blocks.lengths)).toEqual([7, 6, 4]);
  });

  it('cuts a sentence longer than a block into block-sized pieces and keeps packing after it', () => {
    const long = Array.from({ length: 9 }, (_, i) => 100 + i);
    const blocks = mlmBlocks([CLS, ...long, SEP, 50, SEP], { ...ids, blockSize: 6 }); // room for 4
    expect(rowsOf(blocks)).toEqual([
      [CLS, 100, 101, 102, 103, SEP],
      [CLS, 104, 105, 106, 107, SEP],
      [CLS, 108, 50, SEP, PAD, PAD],
    ]);
  });

  it('treats a stream without marks as one document, and end-of-text ids as document ends', () => {
    const plain = mlmBlocks([10, 11, 12, 13, 14, EOT, 15], { ...ids, blockSize: 5, documentSeparatorIds: [EOT] });
    expect(rowsOf(plain)).toEqual([
      [CLS, 10, 11, 12, SEP],
      [CLS, 13, 14, SEP, PAD],
      [CLS, 15, SEP, PAD, PAD],
    ]);
    // A stream cut in the middle (a val split) starts with a partial sentence.
    expect(rowsOf(mlmBlocks([12, SEP, 13, 14, SEP], { ...ids, blockSize: 8 }))).toEqual([
      [CLS, 12, 13, 14, SEP, PAD, PAD, PAD],
    ]);
    expect(mlmBlocks([CLS, SEP, SEP, CLS], { ...ids, blockSize: 8 }).count).toBe(0);
    expect(() => mlmBlocks([1], { ...ids, blockSize: 2 })).toThrow(/at least 3/);
  });

  it('keeps every token of the stream exactly once, in order', () => {
    const stream: number[] = [];
    for (let d = 0; d < 50; d++) {
      stream.push(CLS);
      for (let s = 0; s < (d % 7) + 1; s++) {
        for (let t = 0; t < ((d * 13 + s * 5) % 40) + 1; t++) stream.push(10 + ((d + s + t) % 90));
        stream.push(SEP);
      }
    }
    const blocks = mlmBlocks(stream, { ...ids, blockSize: 16 });
    const content = rowsOf(blocks).flatMap((row, r) => row.slice(1, blocks.lengths[r] - 1));
    expect(content).toEqual(stream.filter((t) => t >= 10));
    for (const [r, row] of rowsOf(blocks).entries()) {
      expect(row[0]).toBe(CLS);
      expect(row[blocks.lengths[r] - 1]).toBe(SEP);
      expect(row.slice(blocks.lengths[r]).every((t) => t === PAD)).toBe(true);
    }
  });
});

describe('mlmBatches', () => {
  const stream: number[] = [];
  for (let d = 0; d < 40; d++) {
    stream.push(CLS);
    for (let s = 0; s < 5; s++) {
      for (let t = 0; t < 7 + ((d + s) % 9); t++) stream.push(10 + ((d * 7 + s * 3 + t) % 90));
      stream.push(SEP);
    }
  }
  const blocks = mlmBlocks(stream, { ...ids, blockSize: 32 });
  const collate = { maskTokenId: MASK, vocabSize: 100, specialTokenIds: [0, 1, 2, 3, 4, 5] };

  it('makes masked rows with an attention mask over the real tokens', () => {
    const batch = mlmBatches(blocks, { ...collate, batchSize: 4, seed: 1 }).nextBatch()!;
    expect(batch.shape).toEqual([4, 32]);
    for (let b = 0; b < 4; b++) {
      const k = batch.blockIndices[b];
      const len = blocks.lengths[k];
      for (let t = 0; t < 32; t++) {
        const original = blocks.ids[k * 32 + t];
        expect(batch.attentionMask[b * 32 + t]).toBe(t < len ? 1 : 0);
        const label = batch.labels[b * 32 + t];
        if (label !== IGNORE_INDEX) expect(label).toBe(original);
        else expect(batch.inputs[b * 32 + t]).toBe(original);
        if (original <= 5) expect(label).toBe(IGNORE_INDEX);
      }
    }
    expect(batch.labelCount).toBe(batch.labels.filter((l) => l !== IGNORE_INDEX).length);
  });

  it('visits every block once per epoch in random mode and once in order in sequential mode', () => {
    const random = mlmBatches(blocks, { ...collate, batchSize: 3, seed: 2 });
    const seen: number[] = [];
    while (seen.length < blocks.count * 2) seen.push(...random.nextBatch()!.blockIndices);
    const sorted = (a: number[]) => [...a].sort((x, y) => x - y);
    const all = Array.from({ length: blocks.count }, (_, i) => i);
    expect(sorted(seen.slice(0, blocks.count))).toEqual(all);
    expect(sorted(seen.slice(blocks.count, 2 * blocks.count))).toEqual(all);
    expect(seen.slice(0, blocks.count)).not.toEqual(all);
    const seq = [...mlmBatches(blocks, { ...collate, batchSize: 3, mode: 'sequential' })];
    expect(seq.flatMap((b) => Array.from(b.blockIndices))).toEqual(all);
    expect(seq.length).toBe(Math.ceil(blocks.count / 3));
    // Sequential passes with one seed hide the same tokens every time (a stable validation loss).
    const again = [...mlmBatches(blocks, { ...collate, batchSize: 3, mode: 'sequential' })];
    expect(again.map((b) => Array.from(b.labels))).toEqual(seq.map((b) => Array.from(b.labels)));
  });

  it('resumes from a saved state with the same order and the same masks, across an epoch boundary', () => {
    const a = mlmBatches(blocks, { ...collate, batchSize: 5, seed: 3 });
    const perEpoch = Math.ceil(blocks.count / 5);
    for (let k = 0; k < perEpoch - 1; k++) a.nextBatch();
    const saved = JSON.parse(JSON.stringify(a.state));
    const b = mlmBatches(blocks, { ...collate, batchSize: 5, seed: 999, state: saved });
    for (let k = 0; k < perEpoch + 2; k++) {
      const x = a.nextBatch()!;
      const y = b.nextBatch()!;
      expect(Array.from(y.blockIndices)).toEqual(Array.from(x.blockIndices));
      expect(Array.from(y.inputs)).toEqual(Array.from(x.inputs));
      expect(Array.from(y.labels)).toEqual(Array.from(x.labels));
    }
    expect(b.state).toEqual(a.state);
    expect(a.state.epoch).toBeGreaterThanOrEqual(1);
    expect(() => mlmBatches(blocks, { ...collate, batchSize: 4, state: saved })).toThrow(/batchSize/);
  });
});
