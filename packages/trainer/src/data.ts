/**
 * Adapters from @selfsup/dataset's batch iterators to the trainer's `TrainData`: shift-by-one CLM windows, or MLM
 * blocks masked by the collator (with attention masks). Each stream's position is the iterator's own saved state.
 */

import { inputError } from '@selfsup/core';
import {
  type ClmBatchIterator,
  type ClmBatchState,
  clmBatches,
  type MlmBatchIterator,
  type MlmBatchState,
  type MlmBlocks,
  mlmBatches,
  mlmBlocks,
} from '@selfsup/dataset';
import type { Batch, BatchStream, Split, TrainData } from './batches.js';

type Tokens = ArrayLike<number> & { length: number };

export interface ClmDataOptions {
  blockSize: number;
  batchSize: number;
}

/** Random shift-by-one windows of each split (nanoGPT's `get_batch`). */
export function clmData(splits: Record<Split, Tokens>, options: ClmDataOptions): TrainData {
  for (const split of ['train', 'val'] as const) {
    const n = splits[split].length;
    if (n < options.blockSize + 1) {
      throw inputError(
        `--block-size ${options.blockSize} is larger than the data: the ${split} split has ${n} tokens and needs at least ${options.blockSize + 1}; use a smaller --block-size or more data`,
      );
    }
  }
  return {
    tokens: { train: splits.train.length, val: splits.val.length },
    stream: (split, seed) => new ClmStream(splits[split], options, seed),
  };
}

type ClmIteratorBatch = NonNullable<ReturnType<ClmBatchIterator['nextBatch']>>;
type MlmIteratorBatch = NonNullable<ReturnType<MlmBatchIterator['nextBatch']>>;

function clmBatch(b: ClmIteratorBatch): Batch {
  return { inputs: b.inputs, labels: b.targets, batchSize: b.shape[0], blockSize: b.shape[1] };
}

function mlmBatch(b: MlmIteratorBatch): Batch {
  return {
    inputs: b.inputs,
    labels: b.labels,
    attentionMask: b.attentionMask,
    batchSize: b.shape[0],
    blockSize: b.shape[1],
  };
}

/** A batch of one evaluation pass, with the number of positions it predicts. */
export interface CountedBatch {
  batch: Batch;
  count: number;
}

/** Every non-overlapping window of `tokens` once, in order (an evaluation pass). */
export function* clmEvalBatches(tokens: Tokens, options: ClmDataOptions): Generator<CountedBatch> {
  const it = clmBatches(tokens, { ...options, mode: 'sequential' });
  for (let b = it.nextBatch(); b; b = it.nextBatch()) yield { batch: clmBatch(b), count: b.targetCount };
}

class ClmStream implements BatchStream {
  private it: ClmBatchIterator;
  constructor(
    private readonly tokens: Tokens,
    private readonly options: ClmDataOptions,
    seed: number,
  ) {
    this.it = clmBatches(tokens, { ...options, seed });
  }
  next(): Batch {
    return clmBatch(this.it.nextBatch()!);
  }
  getState(): unknown {
    return this.it.state;
  }
  setState(state: unknown): void {
    this.it = clmBatches(this.tokens, { ...this.options, state: state as ClmBatchState });
  }
}

export interface MlmDataOptions {
  blockSize: number;
  batchSize: number;
  mlmProbability: number;
  /** Rows of at most this many tokens, batched by length and trimmed to the longest row (see `mlmBlocks`); 0: fill the block. */
  mlmRowTokens?: number;
  vocabSize: number;
  clsTokenId: number;
  sepTokenId: number;
  padTokenId: number;
  maskTokenId: number;
  /** Never masked nor drawn as random replacements. */
  specialTokenIds: number[];
  /** Ids that end a document in the stream (such as `<|endoftext|>`). */
  documentSeparatorIds?: number[];
}

/** Whether MLM rows are packed shorter than the block (and so batched by length and trimmed). */
export function shortRows(o: { blockSize: number; mlmRowTokens?: number }): boolean {
  return o.mlmRowTokens !== undefined && o.mlmRowTokens > 0 && o.mlmRowTokens < o.blockSize;
}

function splitBlocks(tokens: Tokens, options: MlmDataOptions): MlmBlocks {
  return mlmBlocks(tokens, {
    blockSize: options.blockSize,
    clsTokenId: options.clsTokenId,
    sepTokenId: options.sepTokenId,
    padTokenId: options.padTokenId,
    documentSeparatorIds: options.documentSeparatorIds,
    ...(shortRows(options) ? { rowTokens: options.mlmRowTokens } : {}),
  });
}

/** The collator's options for `options`' rows: grouped by length and trimmed when rows are short (random mode). */
function batchOptions(o: MlmDataOptions, extra: { seed?: number; state?: MlmBatchState; mode?: 'sequential' }) {
  return {
    batchSize: o.batchSize,
    maskTokenId: o.maskTokenId,
    vocabSize: o.vocabSize,
    specialTokenIds: o.specialTokenIds,
    mlmProbability: o.mlmProbability,
    ...(shortRows(o) ? { groupByLength: true, padToLongest: true } : {}),
    ...extra,
  };
}

/** `[CLS] … [SEP]` blocks of whole sentences, 15% of tokens masked 80/10/10, with attention masks. */
export function mlmData(splits: Record<Split, Tokens>, options: MlmDataOptions): TrainData {
  const blocks = {} as Record<Split, MlmBlocks>;
  for (const split of ['train', 'val'] as const) {
    blocks[split] = splitBlocks(splits[split], options);
    if (blocks[split].count === 0) throw inputError(`the ${split} split has no text to make MLM blocks from`);
  }
  return {
    tokens: { train: splits.train.length, val: splits.val.length },
    stream: (split, seed) => new MlmStream(blocks[split], options, seed),
  };
}

class MlmStream implements BatchStream {
  private it: MlmBatchIterator;
  constructor(
    private readonly blocks: MlmBlocks,
    private readonly options: MlmDataOptions,
    seed: number,
  ) {
    this.it = mlmBatches(blocks, batchOptions(options, { seed }));
  }
  next(): Batch {
    return mlmBatch(this.it.nextBatch()!);
  }
  getState(): unknown {
    return this.it.state;
  }
  setState(state: unknown): void {
    this.it = mlmBatches(this.blocks, batchOptions(this.options, { state: state as MlmBatchState }));
  }
}

/**
 * Every block of `tokens` once, in order, masked with the fixed seed 0 (an evaluation pass: the same positions every
 * time), with the number of labelled positions in each batch.
 */
export function* mlmEvalBatches(tokens: Tokens, options: MlmDataOptions): Generator<CountedBatch> {
  const it = mlmBatches(splitBlocks(tokens, options), batchOptions(options, { mode: 'sequential', seed: 0 }));
  for (let b = it.nextBatch(); b; b = it.nextBatch()) yield { batch: mlmBatch(b), count: b.labelCount };
}

/**
 * The cross-entropy (nats) of predicting each non-special token of `val` from the unigram frequencies of `train`
 * (add-one smoothed): the loss a masked LM gets by ignoring context. A trained MLM must be well below it.
 */
export function unigramCrossEntropy(
  train: Tokens,
  val: Tokens,
  vocabSize: number,
  exclude: Iterable<number> = [],
): number {
  const skip = new Uint8Array(vocabSize);
  for (const id of exclude) if (id >= 0 && id < vocabSize) skip[id] = 1;
  const counts = new Float64Array(vocabSize).fill(1);
  for (let i = 0; i < train.length; i++) if (!skip[train[i]]) counts[train[i]] += 1;
  let total = 0;
  for (let id = 0; id < vocabSize; id++) if (!skip[id]) total += counts[id];
  let sum = 0;
  let n = 0;
  for (let i = 0; i < val.length; i++) {
    const id = val[i];
    if (skip[id]) continue;
    sum -= Math.log(counts[id] / total);
    n++;
  }
  return n === 0 ? Number.NaN : sum / n;
}
