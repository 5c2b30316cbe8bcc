/**
 * The prepared-data folder (`selfsup prepare` output, DESIGN.md §3): `tokenizer.json`, `train.bin`, `val.bin`,
 * `meta.json`. It is written whole into a temporary sibling folder and renamed into place, so a failure or a crash
 * leaves either the previous folder or the new one, never a mix. Only an empty folder or an earlier prepared-data
 * folder is ever replaced; a folder holding anything else is refused.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import {
  childPath,
  describeFsError,
  inputError,
  isInputFsError,
  isTempPath,
  quoteJson,
  readJsonFile,
  runtimeError,
  syncDir,
  usageError,
} from '@selfsup/core';
import { loadTokenizer } from '@selfsup/tokenizer';
import type { CorpusKind } from './corpus.js';
import type { StreamLayout } from './encode-corpus.js';
import { openTokenFile, type TokenFile } from './token-file.js';

export const PREPARED_FORMAT = 'selfsup-prepared-data';
export const PREPARED_FILES = {
  tokenizer: 'tokenizer.json',
  train: 'train.bin',
  val: 'val.bin',
  meta: 'meta.json',
} as const;

/** `meta.json`. */
export interface PreparedMeta {
  format: typeof PREPARED_FORMAT;
  version: 1;
  /** The `--data` value and what kind of source it was. */
  source: string;
  sourceKind: CorpusKind;
  documents: number;
  characters: number;
  /** nanoGPT's `vocab_size`. */
  vocabSize: number;
  tokenizer: {
    /** The `--tokenizer` value (`char`, `bpe:8000`, a path). */
    spec: string;
    kind: string;
    vocabSize: number;
    endOfTextId: number | null;
  };
  /** How boundaries are marked in the token stream (see `encodeCorpus`). */
  layout: StreamLayout;
  separators: { document: number | null; cls: number | null; sep: number | null };
  tokens: number;
  split: { valFraction: number; train: number; val: number };
  bytesPerToken: 2 | 4;
  files: { tokenizer: string; train: string; val: string };
}

let counter = 0;

/**
 * Checks that `outDir` may be written (absent, empty, or an earlier prepared-data folder) before any work starts.
 * Throws a usage error naming the folder otherwise.
 */
export function checkOutputFolder(outDir: string): void {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(outDir);
  } catch (err) {
    if (isInputFsError(err)) return;
    throw runtimeError(`cannot read ${outDir}: ${describeFsError(err)}`, err);
  }
  if (!st.isDirectory()) throw usageError(`--out ${outDir}: exists and is a file, expected a folder`);
  const entries = readdirSync(outDir).filter((e) => !isTempPath(e));
  if (entries.length === 0) return;
  const ours = new Set<string>(Object.values(PREPARED_FILES));
  if (!entries.includes(PREPARED_FILES.meta) || entries.some((e) => !ours.has(e))) {
    throw usageError(
      `--out ${outDir}: the folder exists and is not a prepared-data folder; choose a new folder or empty it`,
    );
  }
}

/** A new temporary folder beside `outDir` (same file system, so the final rename is atomic). */
export function makeStagingFolder(outDir: string): string {
  const parent = dirname(outDir);
  try {
    mkdirSync(parent, { recursive: true });
  } catch (err) {
    throw runtimeError(`cannot create folder ${parent}: ${describeFsError(err)}`, err);
  }
  counter = (counter + 1) % 1_000_000;
  const staging = join(parent, `.${basename(outDir)}.tmp-${process.pid}-${counter}`);
  try {
    mkdirSync(staging);
  } catch (err) {
    throw runtimeError(`cannot create folder ${staging}: ${describeFsError(err)}`, err);
  }
  return staging;
}

/** Moves a finished staging folder to `outDir`, replacing an empty or earlier prepared-data folder there. */
export function commitStagingFolder(staging: string, outDir: string): void {
  checkOutputFolder(outDir);
  let old: string | undefined;
  try {
    if (existsSync(outDir)) {
      if (readdirSync(outDir).length === 0) rmdirSync(outDir);
      else {
        old = join(dirname(outDir), `.${basename(outDir)}.old-${process.pid}-${counter}`);
        renameSync(outDir, old);
      }
    }
    renameSync(staging, outDir);
  } catch (err) {
    if (old && !existsSync(outDir)) {
      try {
        renameSync(old, outDir);
        old = undefined;
      } catch {}
    }
    throw runtimeError(`cannot move the prepared data into ${outDir}: ${describeFsError(err)}`, err);
  }
  syncDir(dirname(outDir));
  if (old) rmSync(old, { recursive: true, force: true });
}

export function removeStagingFolder(staging: string): void {
  rmSync(staging, { recursive: true, force: true });
}

export interface PreparedData {
  dir: string;
  meta: PreparedMeta;
  /** Path of `tokenizer.json`. */
  tokenizerPath: string;
  /** The tokenizer the ids were made with. */
  tokenizer: ReturnType<typeof loadTokenizer>;
  train: TokenFile;
  val: TokenFile;
}

/** Opens a prepared-data folder: reads `meta.json`, opens both token files and checks them against it. */
export function openPreparedData(dir: string): PreparedData {
  const metaPath = join(dir, PREPARED_FILES.meta);
  if (!existsSync(metaPath)) {
    const what = existsSync(dir)
      ? 'not a prepared-data folder (no meta.json); make one with `selfsup prepare`'
      : 'not found';
    throw inputError(`${dir}: ${what}`);
  }
  const meta = readJsonFile(metaPath) as PreparedMeta;
  if (typeof meta !== 'object' || meta === null || meta.format !== PREPARED_FORMAT) {
    throw inputError(`${metaPath}: not a selfsup prepared-data meta.json (format is not "${PREPARED_FORMAT}")`);
  }
  if (meta.version !== 1)
    throw inputError(`${metaPath}: version ${String(meta.version)} is not supported (expected 1)`);
  const vocabSize = meta.vocabSize;
  if (!Number.isInteger(vocabSize) || vocabSize < 1)
    throw inputError(`${metaPath}: vocabSize must be a positive integer`);
  // Token ids the trainer uses from meta.json (separators, end of text): ids of this vocabulary, or null.
  const ids: [string, unknown][] = [
    ['separators.document', meta.separators?.document],
    ['separators.cls', meta.separators?.cls],
    ['separators.sep', meta.separators?.sep],
    ['tokenizer.endOfTextId', meta.tokenizer?.endOfTextId],
  ];
  for (const [field, id] of ids) {
    if (
      id !== null &&
      id !== undefined &&
      !(Number.isSafeInteger(id) && (id as number) >= 0 && (id as number) < vocabSize)
    )
      throw inputError(`${metaPath}: ${field} must be a token id below ${vocabSize} or null, got ${quoteJson(id)}`);
  }
  // File names come from the file: plain names inside the folder only (no `../`, no absolute paths).
  const files: Partial<Record<keyof PreparedMeta['files'], unknown>> =
    typeof meta.files === 'object' && meta.files !== null ? meta.files : {};
  const fileIn = (key: keyof PreparedMeta['files']) =>
    childPath(dir, files[key] ?? PREPARED_FILES[key], `${metaPath}: files.${key}`);
  const tokenizerPath = fileIn('tokenizer');
  const tokenizer = loadTokenizer(tokenizerPath);
  if (tokenizer.vocabSize !== vocabSize) {
    throw inputError(`${dir}: tokenizer.json has ${tokenizer.vocabSize} tokens but meta.json says ${vocabSize}`);
  }
  const train = openTokenFile(fileIn('train'), { vocabSize });
  const val = openTokenFile(fileIn('val'), { vocabSize });
  if (train.count !== meta.split?.train || val.count !== meta.split?.val) {
    throw inputError(
      `${dir}: the token files hold ${train.count} + ${val.count} tokens but meta.json says ${meta.split?.train} + ${meta.split?.val}`,
    );
  }
  return { dir, meta, tokenizerPath, tokenizer, train, val };
}
