/**
 * The data of a run: a prepared-data folder (`tokenizer.json`, `train.bin`, `val.bin`, `meta.json`), given with
 * `--data DIR` or prepared from raw text into `RUN/data`, turned into the `TrainData` the objective needs.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { inputError, parseJson } from '@selfsup/core';
import { type Corpus, openPreparedData, type PreparedData, prepareData } from '@selfsup/dataset';
import type { Split, TrainData } from './batches.js';
import {
  type CountedBatch,
  clmData,
  clmEvalBatches,
  type MlmDataOptions,
  mlmData,
  mlmEvalBatches,
  unigramCrossEntropy,
} from './data.js';
import type { TrainingOptions } from './presets.js';

export const PREPARED_FOLDER_FILES = ['tokenizer.json', 'train.bin', 'val.bin', 'meta.json'] as const;

export interface MlmTokenIds {
  clsTokenId: number;
  sepTokenId: number;
  padTokenId: number;
  maskTokenId: number;
}

export interface PreparedRunData {
  dir: string;
  vocabSize: number;
  /** `char`, `bpe`, `wordpiece`, … (from meta.json). */
  tokenizerKind: string;
  tokenizerPath: string;
  /** The bytes of `tokenizer.json`, copied into every checkpoint. */
  tokenizerJson: Uint8Array;
  /** `[CLS]`, `[SEP]`, `[PAD]`, `[MASK]` when the tokenizer has them. */
  mlm: MlmTokenIds | undefined;
  /** Every special token id (never masked, never a random replacement). */
  specialTokenIds: number[];
  /** GPT-2 style end-of-text id, when there is one. */
  endOfTextId: number | undefined;
  /** MLM: the ids the collator never masks nor draws as replacements (special tokens and [CLS]/[SEP]/[PAD]/[MASK]). */
  mlmSpecialTokenIds: number[];
  /** MLM: ids that end a document in the token stream (from meta.json), if any. */
  documentSeparatorIds: number[] | undefined;
  /** The batches `options` ask for (checks the block size against the data). */
  trainData(options: TrainingOptions): TrainData;
  /** Cross-entropy of val tokens under train unigram frequencies (special tokens left out). */
  unigramBaseline(): number;
  tokens: { train: ArrayLike<number>; val: ArrayLike<number> };
  /**
   * Every batch of a split once, in order, for evaluation (CLM: non-overlapping windows; MLM: every block, masked
   * with a fixed seed), with the number of predicted tokens in each.
   */
  evalBatches(split: Split, options: EvalBatchOptions): Iterable<CountedBatch>;
}

export interface EvalBatchOptions {
  objective: 'clm' | 'mlm';
  blockSize: number;
  batchSize: number;
  mlmProbability: number;
  /** MLM rows of at most this many tokens, trimmed to the longest row of each batch; 0 (default): fill the block. */
  mlmRowTokens?: number;
}

/**
 * Whether `path` is meant as a prepared-data folder: a folder holding any of its files. A folder with some but not
 * all of them is refused, naming what is missing. Other folders (of .txt files) are raw text.
 */
export function isPreparedFolder(path: string): boolean {
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    return false;
  }
  if (!isDir) return false;
  const present = PREPARED_FOLDER_FILES.filter((f) => existsSync(join(path, f)));
  if (present.length === 0) return false;
  const missing = PREPARED_FOLDER_FILES.filter((f) => !present.includes(f));
  if (missing.length > 0) {
    throw inputError(
      `--data ${path}: missing ${missing.join(', ')} (a prepared folder holds ${PREPARED_FOLDER_FILES.join(', ')}; make one with \`selfsup prepare\`)`,
    );
  }
  return true;
}

export function openRunData(dir: string): PreparedRunData {
  const prepared = openPreparedData(dir);
  return runDataFrom(prepared);
}

/** Prepares raw text (`brown`, a file, a folder, a glob, .jsonl) into `outDir` with `options.tokenizer`. */
export async function prepareRunData(
  source: string | Corpus,
  outDir: string,
  options: TrainingOptions,
  signal?: AbortSignal,
): Promise<PreparedRunData> {
  await prepareData({ source, tokenizer: options.tokenizer, outDir, valFraction: options.valFraction, signal });
  return openRunData(outDir);
}

interface HfAddedToken {
  id: number;
  content: string;
  special?: boolean;
}

function runDataFrom(prepared: PreparedData): PreparedRunData {
  const tokenizerJson = readFileSync(prepared.tokenizerPath);
  const json = parseJson(Buffer.from(tokenizerJson).toString('utf8'), prepared.tokenizerPath) as {
    added_tokens?: HfAddedToken[];
  };
  const added = new Map<string, number>();
  const specialTokenIds: number[] = [];
  for (const t of json.added_tokens ?? []) {
    if (typeof t?.content !== 'string' || !Number.isInteger(t.id)) continue;
    added.set(t.content, t.id);
    if (t.special !== false) specialTokenIds.push(t.id);
  }
  const meta = prepared.meta;
  const cls = meta.separators?.cls ?? added.get('[CLS]');
  const sep = meta.separators?.sep ?? added.get('[SEP]');
  const pad = added.get('[PAD]');
  const mask = added.get('[MASK]');
  const mlm =
    cls !== undefined && cls !== null && sep !== undefined && sep !== null && pad !== undefined && mask !== undefined
      ? { clsTokenId: cls, sepTokenId: sep, padTokenId: pad, maskTokenId: mask }
      : undefined;
  const endOfTextId = meta.tokenizer?.endOfTextId ?? added.get('<|endoftext|>') ?? undefined;
  const tokens = { train: prepared.train.tokens, val: prepared.val.tokens };
  const mlmSpecialIds = mlm
    ? [...new Set([...specialTokenIds, mlm.clsTokenId, mlm.sepTokenId, mlm.padTokenId, mlm.maskTokenId])]
    : [];
  const documentSeparatorIds = meta.separators?.document != null ? [meta.separators.document] : undefined;
  const mlmOptions = (o: Omit<EvalBatchOptions, 'objective'>): MlmDataOptions => {
    if (!mlm) {
      throw inputError(
        `--objective mlm needs a tokenizer with [CLS], [SEP], [PAD] and [MASK] (such as wordpiece:8000); ${prepared.tokenizerPath} (${meta.tokenizer?.kind}) has not all of them`,
      );
    }
    return {
      blockSize: o.blockSize,
      batchSize: o.batchSize,
      mlmProbability: o.mlmProbability,
      mlmRowTokens: o.mlmRowTokens,
      vocabSize: meta.vocabSize,
      ...mlm,
      specialTokenIds: mlmSpecialIds,
      documentSeparatorIds,
    };
  };
  const cache = new Map<string, TrainData>();
  let baseline: number | undefined;
  return {
    dir: prepared.dir,
    vocabSize: meta.vocabSize,
    tokenizerKind: meta.tokenizer?.kind ?? 'unknown',
    tokenizerPath: prepared.tokenizerPath,
    tokenizerJson,
    mlm,
    specialTokenIds,
    endOfTextId: endOfTextId ?? undefined,
    mlmSpecialTokenIds: mlmSpecialIds,
    documentSeparatorIds,
    tokens,
    trainData(options) {
      const key = `${options.objective}/${options.blockSize}/${options.batchSize}/${options.mlmProbability}/${options.mlmRowTokens}`;
      let data = cache.get(key);
      if (data) return data;
      data =
        options.objective === 'clm'
          ? clmData(tokens, { blockSize: options.blockSize, batchSize: options.batchSize })
          : mlmData(tokens, mlmOptions(options));
      cache.set(key, data);
      return data;
    },
    evalBatches(split, o) {
      return o.objective === 'clm'
        ? clmEvalBatches(tokens[split], { blockSize: o.blockSize, batchSize: o.batchSize })
        : mlmEvalBatches(tokens[split], mlmOptions(o));
    },
    unigramBaseline() {
      baseline ??= unigramCrossEntropy(tokens.train, tokens.val, meta.vocabSize, specialTokenIds);
      return baseline;
    },
  };
}
