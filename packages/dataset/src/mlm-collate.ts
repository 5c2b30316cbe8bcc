/**
 * The masked-LM collator, with Hugging Face's `DataCollatorForLanguageModeling` semantics:
 * every non-special token is selected with probability `mlmProbability`; a selected token becomes `[MASK]` with
 * probability `maskReplaceProb`, a uniformly random non-special token with probability `randomReplaceProb`, and stays
 * as it is otherwise. `labels` holds the original id at selected positions and -100 everywhere else, so the loss is
 * taken only where something was hidden. Special tokens (`[CLS]`, `[SEP]`, `[PAD]`, …) are never selected and never
 * drawn as replacements (Hugging Face may draw them; we do not).
 *
 * Whole-word masking (`wordContinuation`): a word — a token and the `##` pieces that follow it — is selected as one,
 * with probability `mlmProbability`, and each of its tokens then gets its own 80/10/10 draw (as in Google's BERT).
 */
import { inputError, Rng, usageError } from '@selfsup/core';
import { requirePositiveInt, requireProbability } from './batch-state.js';
import { IGNORE_INDEX } from './clm-batches.js';

export interface MlmCollateOptions {
  maskTokenId: number;
  vocabSize: number;
  /** Ids that are never selected nor used as random replacements: [CLS], [SEP], [PAD], [UNK], [MASK]. */
  specialTokenIds: Iterable<number>;
  /** Hugging Face `mlm_probability` (default 0.15). */
  mlmProbability?: number;
  /** Share of selected tokens replaced by [MASK] (default 0.8). */
  maskReplaceProb?: number;
  /** Share of selected tokens replaced by a random token (default 0.1); the rest stay unchanged. */
  randomReplaceProb?: number;
  /** Seed for this call (default 0). Ignored when `rng` is given. */
  seed?: number | string;
  /** A random stream to draw from (the batch iterator passes its own, so masks continue across batches). */
  rng?: Rng;
  /**
   * Whole-word masking: `wordContinuation[id] = 1` for ids that continue the previous token's word (WordPiece `##`
   * pieces; see `wordPieceContinuations`). Omit for per-token masking.
   */
  wordContinuation?: Uint8Array;
  /** Length of one row when `ids` holds several rows ([B·T]); words never span rows (default: one row). */
  rowLength?: number;
}

export interface MlmCollated {
  /** The ids with the 80/10/10 replacements applied. */
  inputs: Int32Array;
  /** The original id where a token was selected, -100 elsewhere. */
  labels: Int32Array;
  /** How many tokens were selected (labels that are not -100). */
  selectedCount: number;
}

/** A collator with its tables built once (special-token flags, the pool of random replacements). */
export class MlmCollator {
  readonly maskTokenId: number;
  readonly vocabSize: number;
  readonly mlmProbability: number;
  readonly maskReplaceProb: number;
  readonly randomReplaceProb: number;
  /** 1 at special ids. */
  readonly isSpecial: Uint8Array;
  /** The ids a random replacement is drawn from: every non-special id. */
  readonly replacementPool: Int32Array;
  readonly wordContinuation: Uint8Array | undefined;

  constructor(options: Omit<MlmCollateOptions, 'seed' | 'rng' | 'rowLength'>) {
    this.vocabSize = requirePositiveInt('vocabSize', options.vocabSize);
    this.maskTokenId = requireId('maskTokenId', options.maskTokenId, this.vocabSize);
    this.mlmProbability = requireProbability('mlmProbability', options.mlmProbability ?? 0.15);
    this.maskReplaceProb = requireProbability('maskReplaceProb', options.maskReplaceProb ?? 0.8);
    this.randomReplaceProb = requireProbability('randomReplaceProb', options.randomReplaceProb ?? 0.1);
    if (this.maskReplaceProb + this.randomReplaceProb > 1 + 1e-12) {
      throw usageError(
        `maskReplaceProb + randomReplaceProb must be at most 1, got ${this.maskReplaceProb} + ${this.randomReplaceProb}`,
      );
    }
    this.isSpecial = new Uint8Array(this.vocabSize);
    for (const id of options.specialTokenIds) this.isSpecial[requireId('specialTokenIds', id, this.vocabSize)] = 1;
    this.isSpecial[this.maskTokenId] = 1;
    const pool: number[] = [];
    for (let id = 0; id < this.vocabSize; id++) if (!this.isSpecial[id]) pool.push(id);
    if (pool.length === 0 && this.randomReplaceProb > 0)
      throw usageError('every id is special: there is no token to draw random replacements from');
    this.replacementPool = Int32Array.from(pool);
    if (options.wordContinuation && options.wordContinuation.length < this.vocabSize) {
      throw usageError(
        `wordContinuation has ${options.wordContinuation.length} entries, fewer than the vocabulary size ${this.vocabSize}`,
      );
    }
    this.wordContinuation = options.wordContinuation;
  }

  /** Masks `ids` (one row, or B rows of `rowLength`) drawing from `rng`. */
  collate(ids: ArrayLike<number>, rng: Rng, rowLength = ids.length): MlmCollated {
    const n = ids.length;
    const inputs = ids instanceof Int32Array ? ids.slice() : Int32Array.from(ids);
    const labels = new Int32Array(n).fill(IGNORE_INDEX);
    const { isSpecial, vocabSize } = this;
    const p = this.mlmProbability;
    const cont = this.wordContinuation;
    let selectedCount = 0;
    let inWord = false; // whole-word mode: the previous token is an ordinary token of the same row
    let wordSelected = false; // … and whether its word was selected
    for (let i = 0; i < n; i++) {
      const id = inputs[i];
      if (!(id >= 0 && id < vocabSize))
        throw inputError(`token ${id} at position ${i} is not an id of a vocabulary of ${vocabSize}`);
      if (isSpecial[id]) {
        inWord = false;
        continue;
      }
      const continues = cont !== undefined && cont[id] === 1 && inWord && i % rowLength !== 0;
      const selected: boolean = continues ? wordSelected : rng.next() < p;
      inWord = true;
      wordSelected = selected;
      if (!selected) continue;
      labels[i] = id;
      selectedCount++;
      const u = rng.next();
      if (u < this.maskReplaceProb) inputs[i] = this.maskTokenId;
      else if (u < this.maskReplaceProb + this.randomReplaceProb)
        inputs[i] = this.replacementPool[rng.int(this.replacementPool.length)];
    }
    return { inputs, labels, selectedCount };
  }
}

/**
 * Masks a sequence for masked-LM training: `{ inputs, labels }` with labels -100 where nothing is predicted.
 * Same seed → same output. For many batches build one `MlmCollator` (or use `mlmBatches`) instead.
 */
export function mlmCollate(ids: ArrayLike<number>, options: MlmCollateOptions): MlmCollated {
  const rowLength = options.rowLength ?? ids.length;
  if (ids.length > 0) requirePositiveInt('rowLength', rowLength);
  return new MlmCollator(options).collate(ids, options.rng ?? new Rng(options.seed ?? 0), rowLength);
}

/**
 * The whole-word table for a WordPiece vocabulary: 1 at every id whose token starts with the continuation prefix
 * (`##`). `idToToken` is the tokenizer's lookup.
 */
export function wordPieceContinuations(
  vocabSize: number,
  idToToken: (id: number) => string | undefined,
  prefix = '##',
): Uint8Array {
  const table = new Uint8Array(vocabSize);
  for (let id = 0; id < vocabSize; id++) {
    const token = idToToken(id);
    if (token !== undefined && token.length > prefix.length && token.startsWith(prefix)) table[id] = 1;
  }
  return table;
}

function requireId(name: string, id: unknown, vocabSize: number): number {
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= vocabSize) {
    throw usageError(`${name}: ${String(id)} is not an id of a vocabulary of ${vocabSize}`);
  }
  return id;
}
