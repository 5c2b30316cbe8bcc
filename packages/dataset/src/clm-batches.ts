/**
 * Causal-LM batches — the shift-by-one. A window of T + 1 tokens starting at i gives
 * `inputs = tokens[i : i+T]` and `targets = tokens[i+1 : i+T+1]`, so the label at every position is the next token.
 *
 * `random` mode is nanoGPT's `get_batch`: B start offsets drawn uniformly from [0, n − T − 1] (with replacement),
 * forever. `sequential` mode walks non-overlapping windows 0, T, 2T, … once, for evaluation: every token but the first
 * is a target exactly once; the last window may be short, its missing targets are -100 (ignored by the loss).
 * Batches are flat `Int32Array`s in row-major [B, T] order. The iterator's `state` is plain JSON; passing it back as
 * `state` continues with exactly the batches the saved run would have seen.
 */
import { inputError, Rng, type RngState } from '@selfsup/core';
import { requireIndex, requirePositiveInt, restoreState, type SavedStateBase } from './batch-state.js';
import { asTokenIds, type TokenIds } from './token-ids.js';

/** The label the loss ignores (PyTorch / Hugging Face `ignore_index`). */
export const IGNORE_INDEX = -100;

export type BatchMode = 'random' | 'sequential';

export interface ClmBatch {
  /** [B·T] token ids, row-major. */
  inputs: Int32Array;
  /** [B·T]: `targets[b·T + t] = tokens[offsets[b] + t + 1]`; -100 past the end of the data (sequential mode only). */
  targets: Int32Array;
  /** [B, T]; B is smaller than batchSize only in the last batch of sequential mode. */
  shape: [number, number];
  /** Start offset of each row's window in the token array. */
  offsets: Int32Array;
  /** Number of targets that are not -100 (B·T except in sequential mode's last window). */
  targetCount: number;
}

export interface ClmBatchState extends SavedStateBase {
  kind: 'clm';
  mode: BatchMode;
  /** Sequential mode: start of the next window; random mode: 0. */
  position: number;
  /** What the state was made for; restoring into other data or shapes is refused. */
  tokens: number;
  blockSize: number;
  batchSize: number;
}

export interface ClmBatchOptions {
  /** T: context length of each row. */
  blockSize: number;
  /** B: rows per batch. */
  batchSize: number;
  /** Seed of the window sampler (default 0). Ignored when `state` is given. */
  seed?: number | string;
  /** `random` (default; training) or `sequential` (evaluation: each window once). */
  mode?: BatchMode;
  /** A state saved from `iterator.state`, to continue where it stopped. */
  state?: ClmBatchState;
}

export class ClmBatchIterator implements IterableIterator<ClmBatch> {
  readonly tokens: TokenIds;
  readonly blockSize: number;
  readonly batchSize: number;
  readonly mode: BatchMode;
  private readonly rng: Rng;
  private position: number;
  private batches: number;

  constructor(tokens: ArrayLike<number>, options: ClmBatchOptions) {
    this.tokens = asTokenIds(tokens);
    this.blockSize = requirePositiveInt('blockSize', options.blockSize);
    this.batchSize = requirePositiveInt('batchSize', options.batchSize);
    this.mode = options.mode ?? 'random';
    if (this.mode !== 'random' && this.mode !== 'sequential')
      throw inputError(`mode must be 'random' or 'sequential', got ${String(this.mode)}`);
    const n = this.tokens.length;
    const T = this.blockSize;
    if (this.mode === 'random' && n < T + 1) {
      throw inputError(
        `block size ${T} needs at least ${T + 1} tokens (a window plus its next token), but the data has ${n}; use a smaller --block-size or more data`,
      );
    }
    if (this.mode === 'sequential' && n < 2)
      throw inputError(`the data has ${n} token(s); at least 2 are needed to predict one`);
    if (options.state !== undefined) {
      const s = options.state;
      this.rng = restoreState(s, { kind: 'clm', mode: this.mode, tokens: n, blockSize: T, batchSize: this.batchSize });
      this.batches = s.batches;
      this.position =
        this.mode === 'sequential' ? requireIndex(s as unknown as Record<string, unknown>, 'position', n) : 0;
    } else {
      this.rng = new Rng(options.seed ?? 0);
      this.batches = 0;
      this.position = 0;
    }
  }

  /** Sequential mode: how many batches one pass makes; random mode: Infinity. */
  get batchCount(): number {
    if (this.mode === 'random') return Number.POSITIVE_INFINITY;
    return Math.ceil(Math.ceil((this.tokens.length - 1) / this.blockSize) / this.batchSize);
  }

  /** Everything needed to continue exactly here (plain JSON). */
  get state(): ClmBatchState {
    return {
      version: 1,
      kind: 'clm',
      mode: this.mode,
      rng: this.rng.state as RngState,
      batches: this.batches,
      position: this.position,
      tokens: this.tokens.length,
      blockSize: this.blockSize,
      batchSize: this.batchSize,
    };
  }

  /** The next batch, or undefined when a sequential pass is over. */
  nextBatch(): ClmBatch | undefined {
    return this.mode === 'random' ? this.randomBatch() : this.sequentialBatch();
  }

  next(): IteratorResult<ClmBatch> {
    const batch = this.nextBatch();
    return batch ? { value: batch, done: false } : { value: undefined, done: true };
  }

  [Symbol.iterator](): this {
    return this;
  }

  private randomBatch(): ClmBatch {
    const { tokens, blockSize: T, batchSize: B } = this;
    const starts = tokens.length - T; // offsets 0 … n − T − 1
    const inputs = new Int32Array(B * T);
    const targets = new Int32Array(B * T);
    const offsets = new Int32Array(B);
    for (let b = 0; b < B; b++) {
      const i = this.rng.int(starts);
      offsets[b] = i;
      inputs.set(tokens.subarray(i, i + T), b * T);
      targets.set(tokens.subarray(i + 1, i + T + 1), b * T);
    }
    this.batches++;
    return { inputs, targets, shape: [B, T], offsets, targetCount: B * T };
  }

  private sequentialBatch(): ClmBatch | undefined {
    const { tokens, blockSize: T, batchSize: B } = this;
    const last = tokens.length - 1; // the last token is only ever a target
    if (this.position >= last) return undefined;
    const rows = Math.min(B, Math.ceil((last - this.position) / T));
    const inputs = new Int32Array(rows * T);
    const targets = new Int32Array(rows * T).fill(-100);
    const offsets = new Int32Array(rows);
    let targetCount = 0;
    for (let b = 0; b < rows; b++) {
      const i = this.position;
      const len = Math.min(T, last - i);
      offsets[b] = i;
      inputs.set(tokens.subarray(i, i + len), b * T);
      targets.set(tokens.subarray(i + 1, i + len + 1), b * T);
      targetCount += len;
      this.position += len;
    }
    this.batches++;
    return { inputs, targets, shape: [rows, T], offsets, targetCount };
  }
}

/**
 * Shift-by-one batches over a token array (a token file's `tokens`, or any `Int32Array`):
 * `for (const { inputs, targets, shape } of clmBatches(train.tokens, { blockSize: 64, batchSize: 12, seed: 1337 }))`.
 */
export function clmBatches(tokens: ArrayLike<number>, options: ClmBatchOptions): ClmBatchIterator {
  return new ClmBatchIterator(tokens, options);
}
