/**
 * What the training loop reads: batches of token ids with their pseudo-labels, from a stream whose position can be
 * saved and restored (so a resumed run sees exactly the batches the uninterrupted run would have seen).
 */

/** One batch, row-major: `inputs[b · blockSize + t]`. CLM labels are the inputs shifted by one; MLM labels are the
 *  original ids at masked positions and -100 elsewhere. */
export interface Batch {
  inputs: Int32Array;
  labels: Int32Array;
  /** MLM: 1 for a real token, 0 for padding. */
  attentionMask?: Int32Array;
  batchSize: number;
  blockSize: number;
}

export interface BatchStream {
  next(): Batch;
  /** A JSON-serialisable position: `setState(getState())` on a fresh stream continues the same sequence. */
  getState(): unknown;
  setState(state: unknown): void;
}

export type Split = 'train' | 'val';

/** The data a run trains on: seeded random-batch streams over each split. */
export interface TrainData {
  /** A new stream of random batches of `split`, seeded by `seed`. */
  stream(split: Split, seed: number): BatchStream;
  /** Number of tokens in each split (used to refuse a block size larger than the data). */
  readonly tokens: Readonly<Record<Split, number>>;
}
