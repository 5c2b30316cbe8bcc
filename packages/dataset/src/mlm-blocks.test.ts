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

  it('packs shorter rows with rowTokens: a longer sentence alone, up to the block; rowTokens 3 is one sentence a row', () => {
    const stream = [CLS, 10, 11, 12, SEP, 13, 14, SEP, 15, 16, 17, 18, 19, 20, 21, SEP, 22, SEP, CLS, 30, SEP];
    // rows of at most 7 tokens (5 between [CLS] and [SEP]) in a block of 10: [15 … 21] (7 tokens) gets a row of its own
    const short = mlmBlocks(stream, { ...ids, blockSize: 10, rowTokens: 7 });
    expect(rowsOf(short).map((row, r) => row.slice(0, short.lengths[r]))).toEqual([
      [CLS, 10, 11, 12, 13, 14, SEP],
      [CLS, 15, 16, 17, 18, 19, 20, 21, SEP],
      [CLS, 22, SEP],
      [CLS, 30, SEP],
    ]);
    expect(mlmBlocks(stream, { ...ids, blockSize: 10 }).count).toBe(3); // packed to the block: [22] joins [15 … 21]
    const sentences = mlmBlocks(stream, { ...ids, blockSize: 6, rowTokens: 3 }); // room for 4: [15 … 21] is cut
    expect(rowsOf(sentences)).toEqual([
      [CLS, 10, 11, 12, SEP, PAD],
      [CLS, 13, 14, SEP, PAD, PAD],
      [CLS, 15, 16, 17, 18, SEP],
      [CLS, 19, 20, 21, SEP, PAD],
      [CLS, 22, SEP, PAD, PAD, PAD],
      [CLS, 30, SEP, PAD, PAD, PAD],
    ]);
    for (const bad of [2, 7, 3.5]) {
      expect(() => mlmBlocks(stream, { ...ids, blockSize: 6, rowTokens: bad })).toThrow(
        `rowTokens must be an integer from 3 to the block size 6, got ${bad}`,
      );
    }
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

  describe('sentence rows grouped by length, padded to the longest', () => {
    // 600 one-sentence rows of 1..40 tokens: 12 batches of 50 rows make one length group
    const sentences: number[] = [CLS];
    for (let s = 0; s < 600; s++) {
      for (let t = 0; t < ((s * 37) % 40) + 1; t++) sentences.push(10 + ((s + t) % 90));
      sentences.push(SEP);
    }
    const rows = mlmBlocks(sentences, { ...ids, blockSize: 48, rowTokens: 3 });
    const grouped = { ...collate, batchSize: 50, groupByLength: true, padToLongest: true };

    it('trims each batch to its longest row and keeps every row whole', () => {
      const batch = mlmBatches(rows, { ...collate, batchSize: 7, seed: 4, padToLongest: true }).nextBatch()!;
      const longest = Math.max(...Array.from(batch.blockIndices, (k) => rows.lengths[k]));
      expect(batch.shape).toEqual([7, longest]);
      for (let b = 0; b < 7; b++) {
        const k = batch.blockIndices[b];
        for (let t = 0; t < longest; t++) {
          const original = rows.ids[k * 48 + t];
          const label = batch.labels[b * longest + t];
          expect(label === IGNORE_INDEX ? batch.inputs[b * longest + t] : label).toBe(original);
          expect(batch.attentionMask[b * longest + t]).toBe(t < rows.lengths[k] ? 1 : 0);
        }
      }
      // the same rows and masks as an untrimmed batch of the same seed
      const full = mlmBatches(rows, { ...collate, batchSize: 7, seed: 4 }).nextBatch()!;
      expect(Array.from(full.blockIndices)).toEqual(Array.from(batch.blockIndices));
      expect(full.labelCount).toBe(batch.labelCount);
    });

    it('serves batches of similar lengths, each row once per epoch (the last partial batch dropped)', () => {
      const it = mlmBatches(rows, { ...grouped, seed: 5 });
      const epoch: number[] = [];
      let padding = 0;
      for (let k = 0; k < 12; k++) {
        const b = it.nextBatch()!;
        const lengths = Array.from(b.blockIndices, (i) => rows.lengths[i]);
        expect(b.shape[1]).toBe(Math.max(...lengths));
        padding += lengths.reduce((sum, n) => sum + b.shape[1] - n, 0);
        epoch.push(...b.blockIndices);
      }
      expect([...epoch].sort((a, b) => a - b)).toEqual(Array.from({ length: 600 }, (_, i) => i));
      // sorted groups leave little padding: at most the spread of lengths inside one batch of a sorted group
      expect(padding / (600 * 40)).toBeLessThan(0.05);
      const batchLengths = (seed: number) =>
        Array.from({ length: 12 }, () => mlmBatches(rows, { ...grouped, seed }).nextBatch()!.shape[1]);
      expect(new Set(batchLengths(6)).size).toBe(1); // a fresh iterator: one batch, the same each time
      // the batches of a group come in a shuffled order, not longest first
      const firsts = [5, 6, 7, 8, 9].map((seed) => mlmBatches(rows, { ...grouped, seed }).nextBatch()!.shape[1]);
      expect(new Set(firsts).size).toBeGreaterThan(1);
      // 601 rows: the one left over after 12 batches is dropped; epoch 2 starts with whole batches again
      const odd = mlmBlocks([...sentences, 11, SEP], { ...ids, blockSize: 48, rowTokens: 3 });
      const it2 = mlmBatches(odd, { ...grouped, seed: 5 });
      for (let k = 0; k < 12; k++) it2.nextBatch();
      expect(it2.state.epoch).toBe(0);
      const first = it2.nextBatch()!;
      expect(it2.state).toMatchObject({ epoch: 1, position: 50 });
      expect(first.blockIndices).toHaveLength(50);
    });

    it('resumes exactly and refuses a state saved without grouping', () => {
      const a = mlmBatches(rows, { ...grouped, seed: 7 });
      for (let k = 0; k < 17; k++) a.nextBatch();
      const saved = JSON.parse(JSON.stringify(a.state));
      expect(saved.groupByLength).toBe(true);
      const b = mlmBatches(rows, { ...grouped, seed: 1, state: saved });
      for (let k = 0; k < 15; k++) {
        const x = a.nextBatch()!;
        const y = b.nextBatch()!;
        expect(y.shape).toEqual(x.shape);
        expect(Array.from(y.inputs)).toEqual(Array.from(x.inputs));
        expect(Array.from(y.labels)).toEqual(Array.from(x.labels));
      }
      const plain = mlmBatches(rows, { ...collate, batchSize: 50, seed: 7 }).state;
      expect(() => mlmBatches(rows, { ...grouped, state: plain })).toThrow(
        'saved data position was made for groupByLength false, but this run has groupByLength true',
      );
    });
  });
});
