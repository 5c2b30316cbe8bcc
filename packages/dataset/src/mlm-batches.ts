/**
 * Masked-LM batches: rows from `mlmBlocks`, masked by an `MlmCollator`, with the attention mask.
 *
 * `random` mode (training) visits the blocks in a fresh random order every epoch, like a shuffling PyTorch
 * DataLoader, and never ends. `sequential` mode (evaluation) visits each block once in order; the last batch may be
 * smaller. The masks come from the iterator's own seeded stream, so the same seed gives the same batches, and an
 * evaluation pass started with the same seed hides the same tokens every time. `state` (plain JSON) restores
 * exactly: the epoch order, the position in it, and the masking stream.
 *
 * `groupByLength` (Hugging Face `group_by_length`) orders each epoch so that a batch holds rows of similar length:
 * the shuffled rows are cut into groups of 50 batches, each group is sorted by length and cut into batches, and the
 * batches of a group are shuffled; an epoch's last partial batch is dropped (PyTorch's `drop_last`). `padToLongest`
 * trims every batch to its longest row (Hugging Face's dynamic padding), so short rows cost only their own length.
 * Neither changes which tokens a row holds or how they are masked.
 */
import { inputError, Rng, type RngState } from '@selfsup/core';
import { requireIndex, requirePositiveInt, restoreState, type SavedStateBase } from './batch-state.js';
import type { BatchMode } from './clm-batches.js';
import type { MlmBlocks } from './mlm-blocks.js';
import { type MlmCollateOptions, MlmCollator } from './mlm-collate.js';

export interface MlmBatch {
  /** [B·T] ids after masking (T is the block size, or the longest row with `padToLongest`). */
  inputs: Int32Array;
  /** [B·T] original ids at selected positions, -100 elsewhere. */
  labels: Int32Array;
  /** [B·T] 1 for real tokens, 0 for `[PAD]`. */
  attentionMask: Int32Array;
  shape: [number, number];
  /** Which blocks the rows are. */
  blockIndices: Int32Array;
  /** Number of labels that are not -100. */
  labelCount: number;
}

export interface MlmBatchState extends SavedStateBase {
  kind: 'mlm';
  mode: BatchMode;
  /** Epochs completed (random mode). */
  epoch: number;
  /** Rows of the current epoch's order already served. */
  position: number;
  /** The shuffling stream at the start of the current epoch (random mode), to rebuild its order. */
  shuffle: RngState;
  blocks: number;
  blockSize: number;
  batchSize: number;
  /** Whether the epoch order groups rows by length (absent in states saved before the option existed: false). */
  groupByLength?: boolean;
}

/** Batches per length-sorted group with `groupByLength` (Hugging Face's `megabatch_mult`). */
export const LENGTH_GROUP_BATCHES = 50;

export interface MlmBatchOptions extends Omit<MlmCollateOptions, 'rng' | 'rowLength' | 'seed'> {
  batchSize: number;
  /** Seed of the block order and the masks (default 0). Ignored when `state` is given. */
  seed?: number | string;
  mode?: BatchMode;
  state?: MlmBatchState;
  /** Random mode: batch rows of similar length together (see the module comment). Default false. */
  groupByLength?: boolean;
  /** Trim each batch to its longest row instead of the block size. Default false. */
  padToLongest?: boolean;
}

export class MlmBatchIterator implements IterableIterator<MlmBatch> {
  readonly blocks: MlmBlocks;
  readonly batchSize: number;
  readonly mode: BatchMode;
  readonly collator: MlmCollator;
  readonly groupByLength: boolean;
  readonly padToLongest: boolean;
  private readonly maskRng: Rng;
  private readonly shuffleRng: Rng;
  private shuffleStart: RngState;
  private order: Int32Array;
  private epoch: number;
  private position: number;
  private batches: number;

  constructor(blocks: MlmBlocks, options: MlmBatchOptions) {
    this.blocks = blocks;
    this.batchSize = requirePositiveInt('batchSize', options.batchSize);
    this.mode = options.mode ?? 'random';
    if (this.mode !== 'random' && this.mode !== 'sequential')
      throw inputError(`mode must be 'random' or 'sequential', got ${String(this.mode)}`);
    if (blocks.count === 0) throw inputError('there are no MLM blocks to make batches from (the data is empty)');
    this.collator = new MlmCollator(options);
    this.groupByLength = options.groupByLength === true && this.mode === 'random';
    this.padToLongest = options.padToLongest === true;
    const s = options.state;
    if (s !== undefined) {
      if ((s.groupByLength ?? false) !== this.groupByLength) {
        throw inputError(
          `saved data position was made for groupByLength ${s.groupByLength ?? false}, but this run has groupByLength ${this.groupByLength}`,
        );
      }
      this.maskRng = restoreState(s, {
        kind: 'mlm',
        mode: this.mode,
        blocks: blocks.count,
        blockSize: blocks.blockSize,
        batchSize: this.batchSize,
      });
      this.batches = s.batches;
      const saved = s as unknown as Record<string, unknown>;
      this.epoch = requireIndex(saved, 'epoch', Number.MAX_SAFE_INTEGER);
      this.position = requireIndex(saved, 'position', blocks.count);
      try {
        this.shuffleRng = Rng.fromState(s.shuffle);
      } catch {
        throw inputError('saved data position: "shuffle" must be four unsigned 32-bit integers, not all zero');
      }
    } else {
      const seed = options.seed ?? 0;
      this.maskRng = new Rng(seed).derive('mlm-mask');
      this.shuffleRng = new Rng(seed).derive('mlm-order');
      this.batches = 0;
      this.epoch = 0;
      this.position = 0;
    }
    this.shuffleStart = this.shuffleRng.state;
    this.order = this.makeOrder();
  }

  /** Sequential mode: batches in one pass; random mode: Infinity. */
  get batchCount(): number {
    return this.mode === 'random' ? Number.POSITIVE_INFINITY : Math.ceil(this.blocks.count / this.batchSize);
  }

  get state(): MlmBatchState {
    return {
      version: 1,
      kind: 'mlm',
      mode: this.mode,
      rng: this.maskRng.state,
      batches: this.batches,
      epoch: this.epoch,
      position: this.position,
      shuffle: this.shuffleStart,
      blocks: this.blocks.count,
      blockSize: this.blocks.blockSize,
      batchSize: this.batchSize,
      ...(this.groupByLength ? { groupByLength: true } : {}),
    };
  }

  nextBatch(): MlmBatch | undefined {
    const { blocks, batchSize: B } = this;
    const blockSize = blocks.blockSize;
    let rows = B;
    if (this.mode === 'sequential') {
      if (this.position >= blocks.count) return undefined;
      rows = Math.min(B, blocks.count - this.position);
    }
    // Grouped by length, an epoch's last partial batch is dropped so that every batch is one of the sorted chunks.
    if (this.groupByLength && this.position > 0 && this.position + rows > blocks.count) this.nextEpoch();
    const blockIndices = new Int32Array(rows);
    let longest = 0;
    for (let b = 0; b < rows; b++) {
      if (this.position === blocks.count) this.nextEpoch();
      const k = this.order[this.position++];
      blockIndices[b] = k;
      longest = Math.max(longest, blocks.lengths[k]);
    }
    const T = this.padToLongest ? longest : blockSize;
    const ids = new Int32Array(rows * T);
    const attentionMask = new Int32Array(rows * T);
    for (let b = 0; b < rows; b++) {
      const k = blockIndices[b];
      ids.set(blocks.ids.subarray(k * blockSize, k * blockSize + T), b * T);
      attentionMask.fill(1, b * T, b * T + blocks.lengths[k]);
    }
    const { inputs, labels, selectedCount } = this.collator.collate(ids, this.maskRng, T);
    this.batches++;
    return { inputs, labels, attentionMask, shape: [rows, T], blockIndices, labelCount: selectedCount };
  }

  next(): IteratorResult<MlmBatch> {
    const batch = this.nextBatch();
    return batch ? { value: batch, done: false } : { value: undefined, done: true };
  }

  [Symbol.iterator](): this {
    return this;
  }

  private nextEpoch(): void {
    this.epoch++;
    this.position = 0;
    this.shuffleStart = this.shuffleRng.state;
    this.order = this.makeOrder();
  }

  /** The current epoch's block order; advances the shuffling stream (random mode). */
  private makeOrder(): Int32Array {
    const order = new Int32Array(this.blocks.count);
    for (let i = 0; i < order.length; i++) order[i] = i;
    if (this.mode === 'random') this.shuffleRng.shuffle(order);
    if (this.groupByLength) groupByLength(order, this.blocks.lengths, this.batchSize, this.shuffleRng);
    return order;
  }
}

/**
 * Reorders a shuffled `order` in place so that batches of `batchSize` consecutive rows have similar lengths: groups of
 * `LENGTH_GROUP_BATCHES` batches are sorted by length (longest first, ties by row) and their whole batches shuffled.
 * A group's last, partial batch stays at its end.
 */
function groupByLength(order: Int32Array, lengths: Int32Array, batchSize: number, rng: Rng): void {
  const groupRows = LENGTH_GROUP_BATCHES * batchSize;
  for (let start = 0; start < order.length; start += groupRows) {
    const group = order.subarray(start, Math.min(order.length, start + groupRows));
    group.sort((a, b) => lengths[b] - lengths[a] || a - b);
    const whole = Math.floor(group.length / batchSize);
    const batchOrder = rng.shuffle(Array.from({ length: whole }, (_, i) => i));
    const sorted = group.slice();
    for (let i = 0; i < whole; i++) {
      group.set(sorted.subarray(batchOrder[i] * batchSize, (batchOrder[i] + 1) * batchSize), i * batchSize);
    }
  }
}

/**
 * Masked-LM batches over packed blocks:
 * `mlmBatches(mlmBlocks(train.tokens, {...}), { batchSize: 32, maskTokenId, vocabSize, specialTokenIds, seed })`.
 */
export function mlmBatches(blocks: MlmBlocks, options: MlmBatchOptions): MlmBatchIterator {
  return new MlmBatchIterator(blocks, options);
}
