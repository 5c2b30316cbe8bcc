/**
 * `prepareData` — what `selfsup prepare` (and `selfsup train --data FILE|brown`) runs: read a corpus, build or load
 * the tokenizer, encode everything into one token stream, split it the nanoGPT way (the first `1 − valFraction` of
 * the stream is train, the rest val) and write `tokenizer.json`, `train.bin`, `val.bin`, `meta.json`.
 *
 * On tiny Shakespeare with `char` this is nanoGPT's `data/shakespeare_char/prepare.py`: 65 ids (the sorted
 * characters), 1,003,854 train and 111,540 val tokens.
 */
import { join } from 'node:path';
import { inputError, runtimeError, usageError, writeFileAtomicSync } from '@selfsup/core';
import { type Corpus, readCorpus } from './corpus.js';
import { encodeCorpus, joinDocuments } from './encode-corpus.js';
import {
  checkOutputFolder,
  commitStagingFolder,
  makeStagingFolder,
  PREPARED_FILES,
  PREPARED_FORMAT,
  type PreparedMeta,
  removeStagingFolder,
} from './prepared-folder.js';
import { bytesPerTokenFor, writeTokenFile } from './token-file.js';
import { buildTokenizer, type DataTokenizer, parseTokenizerSpec } from './tokenizer-spec.js';

export type PreparePhase = 'read' | 'tokenizer' | 'encode' | 'write';

export interface PrepareProgress {
  phase: PreparePhase;
  /** Units done and in total (characters while encoding; 0/1 for the other phases). */
  done: number;
  total: number;
}

export interface PrepareDataOptions {
  /** `brown`, a file, a folder, a glob, a `.jsonl` file — or a corpus already read. */
  source: string | Corpus;
  /** `char`, `bpe:N`, `wordpiece:N`, `gpt2`, a `tokenizer.json` path, or a tokenizer object. */
  tokenizer: string | DataTokenizer;
  outDir: string;
  /** Share of the token stream (its end) kept for validation (default 0.1, nanoGPT's). */
  valFraction?: number;
  onProgress?: (progress: PrepareProgress) => void;
  /** Abort: the promise rejects, and nothing is written. */
  signal?: AbortSignal;
}

export interface PrepareResult {
  outDir: string;
  meta: PreparedMeta;
  /** The tokenizer used (trained here for `char`, `bpe:N`, `wordpiece:N`). */
  tokenizer: DataTokenizer;
  seconds: { read: number; tokenizer: number; encode: number; write: number; total: number };
}

/** Train/val sizes of the nanoGPT split: `train = floor(n · (1 − valFraction))`, `val = n − train`. */
export function splitSizes(n: number, valFraction: number): { train: number; val: number } {
  const train = Math.floor(n * (1 - valFraction));
  return { train, val: n - train };
}

export async function prepareData(options: PrepareDataOptions): Promise<PrepareResult> {
  const t0 = performance.now();
  const valFraction = options.valFraction ?? 0.1;
  if (typeof valFraction !== 'number' || !(valFraction >= 0 && valFraction < 1)) {
    throw usageError(`--val-fraction must be in [0, 1), got ${String(valFraction)}`);
  }
  const { outDir, onProgress, signal } = options;
  if (typeof outDir !== 'string' || outDir === '')
    throw usageError('--out: give the folder to write the prepared data to');
  const spec = typeof options.tokenizer === 'string' ? parseTokenizerSpec(options.tokenizer) : undefined;
  checkOutputFolder(outDir);

  onProgress?.({ phase: 'read', done: 0, total: 1 });
  const corpus = typeof options.source === 'string' ? readCorpus(options.source) : options.source;
  onProgress?.({ phase: 'read', done: 1, total: 1 });
  const t1 = performance.now();

  onProgress?.({ phase: 'tokenizer', done: 0, total: 1 });
  const tokenizer = spec
    ? buildTokenizer(spec, corpus, spec.kind === 'char' ? joinDocuments(corpus) : undefined)
    : (options.tokenizer as DataTokenizer);
  onProgress?.({ phase: 'tokenizer', done: 1, total: 1 });
  const t2 = performance.now();

  const encoded = await encodeCorpus(corpus, tokenizer, {
    signal,
    onProgress: (p) => onProgress?.({ phase: 'encode', done: p.done, total: p.total }),
  });
  const n = encoded.tokens.length;
  const { train, val } = splitSizes(n, valFraction);
  if (train < 1 || (valFraction > 0 && val < 1)) {
    throw inputError(`${corpus.source}: the corpus is too small to split (${n} tokens)`);
  }
  const t3 = performance.now();

  onProgress?.({ phase: 'write', done: 0, total: 1 });
  const vocabSize = tokenizer.vocabSize;
  const meta: PreparedMeta = {
    format: PREPARED_FORMAT,
    version: 1,
    source: corpus.source,
    sourceKind: corpus.kind,
    documents: corpus.documents.length,
    characters: corpus.characters,
    vocabSize,
    tokenizer: {
      spec: typeof options.tokenizer === 'string' ? options.tokenizer : tokenizer.kind,
      kind: tokenizer.kind,
      vocabSize,
      endOfTextId: tokenizer.endOfTextId ?? null,
    },
    layout: encoded.layout,
    separators: {
      document: encoded.documentSeparatorId ?? null,
      cls: encoded.clsTokenId ?? null,
      sep: encoded.sepTokenId ?? null,
    },
    tokens: n,
    split: { valFraction, train, val },
    bytesPerToken: bytesPerTokenFor(vocabSize),
    files: { tokenizer: PREPARED_FILES.tokenizer, train: PREPARED_FILES.train, val: PREPARED_FILES.val },
  };
  const staging = makeStagingFolder(outDir);
  try {
    writeFileAtomicSync(join(staging, PREPARED_FILES.tokenizer), `${JSON.stringify(tokenizer.toJSON(), null, 2)}\n`);
    writeTokenFile(join(staging, PREPARED_FILES.train), encoded.tokens.subarray(0, train), { vocabSize });
    writeTokenFile(join(staging, PREPARED_FILES.val), encoded.tokens.subarray(train), { vocabSize });
    writeFileAtomicSync(join(staging, PREPARED_FILES.meta), `${JSON.stringify(meta, null, 2)}\n`);
    if (signal?.aborted) throw runtimeError('interrupted: nothing was written');
    commitStagingFolder(staging, outDir);
  } catch (err) {
    removeStagingFolder(staging);
    throw err;
  }
  onProgress?.({ phase: 'write', done: 1, total: 1 });
  const t4 = performance.now();
  const s = (ms: number) => Math.round(ms) / 1000;
  return {
    outDir,
    meta,
    tokenizer,
    seconds: { read: s(t1 - t0), tokenizer: s(t2 - t1), encode: s(t3 - t2), write: s(t4 - t3), total: s(t4 - t0) },
  };
}
