/**
 * Masked-LM batches: rows from `mlmBlocks`, masked by an `MlmCollator`, with the attention mask.
 *
 * `random` mode (training) visits the blocks in a fresh random order every epoch, like a shuffling PyTorch
 * DataLoader, and never ends. `sequential` mode (evaluation) visits each block once in order; the last batch may be
 * smaller. The masks come from the iterator's own seeded stream, so the same seed gives the same batches, and an
 * evaluation pass started with the same seed hides the same tokens every time. `state` (plain JSON) restores
 * exactly: the epoch order, the position in it, and the masking stream.
 */
import { inputError, Rng, type RngState } from '@selfsup/core';
import { requireIndex, requirePositiveInt, restoreState, type SavedStateBase } from './batch-state.js';
import type { BatchMode } from './clm-batches.js';
import type { MlmBlocks } from './mlm-blocks.js';
import { type MlmCollateOptions, MlmCollator } from './mlm-collate.js';

export interface MlmBatch {
  /** [B·T] ids after masking. */
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
}

export interface MlmBatchOptions extends Omit<MlmCollateOptions, 'rng' | 'rowLength' | 'seed'> {
  batchSize: number;
  /** Seed of the block order and the masks (default 0). Ignored when `state` is given. */
  seed?: number | string;
  mode?: BatchMode;
  state?: MlmBatchState;
}

export class MlmBatchIterator implements IterableIterator<MlmBatch> {
  readonly blocks: MlmBlocks;
  readonly batchSize: number;
  readonly mode: BatchMode;
  readonly collator: MlmCollator;
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
    const s = options.state;
    if (s !== undefined) {
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
    };
  }

  nextBatch(): MlmBatch | undefined {
    const { blocks, batchSize: B } = this;
    const T = blocks.blockSize;
    let rows = B;
    if (this.mode === 'sequential') {
      if (this.position >= blocks.count) return undefined;
      rows = Math.min(B, blocks.count - this.position);
    }
    const ids = new Int32Array(rows * T);
    const attentionMask = new Int32Array(rows * T);
    const blockIndices = new Int32Array(rows);
    for (let b = 0; b < rows; b++) {
      if (this.position === blocks.count) this.nextEpoch();
      const k = this.order[this.position++];
      blockIndices[b] = k;
      ids.set(blocks.ids.subarray(k * T, (k + 1) * T), b * T);
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
    return order;
  }
}

/**
 * Masked-LM batches over packed blocks:
 * `mlmBatches(mlmBlocks(train.tokens, {...}), { batchSize: 32, maskTokenId, vocabSize, specialTokenIds, seed })`.
 */
export function mlmBatches(blocks: MlmBlocks, options: MlmBatchOptions): MlmBatchIterator {
  return new MlmBatchIterator(blocks, options);
}
