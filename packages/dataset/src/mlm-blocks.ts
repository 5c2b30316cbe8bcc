/**
 * Masked-LM blocks: fixed-length rows `[CLS] sentence sentence … [SEP] [PAD] …`, packed from whole sentences of one
 * document (RoBERTa's DOC-SENTENCES; BERT without the next-sentence pairs), with the attention mask marking the real
 * tokens. A sentence longer than a block is cut into block-sized pieces; a block never spans two documents.
 *
 * `rowTokens` below the block size packs shorter rows: whole sentences while the row stays within `rowTokens`, and a
 * longer sentence alone in a row of up to `blockSize` (only longer ones are cut). `rowTokens: 3` gives every sentence
 * a row of its own (Hugging Face `run_mlm.py --line_by_line`). Such rows are meant to be batched by length with the
 * padding trimmed (`mlmBatches`' `groupByLength` and `padToLongest`). Short rows let a small model find the
 * neighbouring words early: attention spreads over a few dozen tokens instead of a whole block, and mostly the first
 * few dozen positions need to be told apart.
 *
 * The input is a token stream that marks its boundaries the way `prepareData` writes it for tokenizers with `[CLS]`
 * and `[SEP]`: `[CLS]` starts a document and `[SEP]` ends a sentence (`[CLS] s1 [SEP] s2 [SEP] [CLS] …`). Streams
 * without those marks (char, BPE) work too: a document then ends at `documentSeparatorIds` (such as GPT-2's
 * `<|endoftext|>`) and there is no sentence structure inside it.
 */
import { usageError } from '@selfsup/core';
import { requirePositiveInt } from './batch-state.js';
import { asTokenIds, type TokenIds } from './token-ids.js';

export interface MlmBlockOptions {
  /** T: tokens per block including `[CLS]` and `[SEP]` (≥ 3). */
  blockSize: number;
  clsTokenId: number;
  sepTokenId: number;
  padTokenId: number;
  /** Ids that also end a document in the stream (e.g. `<|endoftext|>`); they are dropped. */
  documentSeparatorIds?: Iterable<number>;
  /**
   * Pack whole sentences into a row while it stays within this many tokens (`[CLS]` and `[SEP]` included); a longer
   * sentence gets a row of its own. 3 to `blockSize`; default `blockSize`.
   */
  rowTokens?: number;
}

export interface MlmBlocks {
  /** [count · blockSize] ids, row-major; rows are padded with `[PAD]`. */
  ids: Int32Array;
  /** Real tokens in each row, `[CLS]` and `[SEP]` included; the attention mask is 1 for `t < lengths[row]`. */
  lengths: Int32Array;
  count: number;
  blockSize: number;
  padTokenId: number;
}

/** Packs a marked token stream into `[CLS] … [SEP]` blocks (see the module comment). */
export function mlmBlocks(stream: ArrayLike<number>, options: MlmBlockOptions): MlmBlocks {
  const tokens: TokenIds = asTokenIds(stream, 'MLM stream');
  const T = requirePositiveInt('blockSize', options.blockSize);
  if (T < 3)
    throw usageError(`an MLM block needs room for [CLS], one token and [SEP]: blockSize must be at least 3, got ${T}`);
  const { clsTokenId: cls, sepTokenId: sep, padTokenId: pad } = options;
  const rowTokens = options.rowTokens ?? T;
  if (!Number.isInteger(rowTokens) || rowTokens < 3 || rowTokens > T)
    throw usageError(`rowTokens must be an integer from 3 to the block size ${T}, got ${String(rowTokens)}`);
  const target = rowTokens - 2;
  const docEnd = new Set(options.documentSeparatorIds ?? []);
  const capacity = T - 2;
  const out = new BlockWriter(T, cls, sep, pad, Math.ceil(tokens.length / capacity) + 16);

  // The block being filled: spans [start, end) of the stream, `fill` tokens in total.
  const spans: number[] = [];
  let fill = 0;
  const flush = () => {
    if (fill > 0) out.write(tokens, spans, fill);
    spans.length = 0;
    fill = 0;
  };
  const addSentence = (a: number, b: number) => {
    let len = b - a;
    if (len <= 0) return;
    if (fill + len > target) flush();
    while (len > capacity) {
      spans.push(a, a + capacity);
      fill = capacity;
      flush();
      a += capacity;
      len -= capacity;
    }
    spans.push(a, b);
    fill += len;
  };

  let start = 0; // first token of the sentence being read
  for (let i = 0; i < tokens.length; i++) {
    const id = tokens[i];
    if (id === sep) {
      addSentence(start, i);
      start = i + 1;
    } else if (id === cls || docEnd.has(id)) {
      addSentence(start, i);
      flush();
      start = i + 1;
    }
  }
  addSentence(start, tokens.length);
  flush();
  return out.finish();
}

class BlockWriter {
  private ids: Int32Array;
  private lengths: Int32Array;
  private count = 0;

  constructor(
    private readonly T: number,
    private readonly cls: number,
    private readonly sep: number,
    private readonly pad: number,
    expected: number,
  ) {
    this.ids = new Int32Array(expected * T).fill(pad);
    this.lengths = new Int32Array(expected);
  }

  write(tokens: TokenIds, spans: number[], fill: number): void {
    if (this.count === this.lengths.length) this.grow();
    const row = this.count * this.T;
    this.ids[row] = this.cls;
    let at = row + 1;
    for (let k = 0; k < spans.length; k += 2) {
      this.ids.set(tokens.subarray(spans[k], spans[k + 1]), at);
      at += spans[k + 1] - spans[k];
    }
    this.ids[at] = this.sep;
    this.lengths[this.count++] = fill + 2;
  }

  private grow(): void {
    const lengths = new Int32Array(this.lengths.length * 2);
    lengths.set(this.lengths);
    const ids = new Int32Array(lengths.length * this.T).fill(this.pad);
    ids.set(this.ids);
    this.lengths = lengths;
    this.ids = ids;
  }

  finish(): MlmBlocks {
    return {
      ids: this.ids.slice(0, this.count * this.T),
      lengths: this.lengths.slice(0, this.count),
      count: this.count,
      blockSize: this.T,
      padTokenId: this.pad,
    };
  }
}
