/**
 * Corpora in: a text file, a folder of `.txt`/`.md` files, a glob, a `.jsonl` file with a `text` field per line, or
 * `brown` (the built-in Brown corpus). Every source becomes a list of documents; the tokenizer's end-of-text token
 * (when it has one) goes between them.
 */
import { type Dirent, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { decodeUtf8, describeFsError, inputError, isInputFsError, parseJson, runtimeError } from '@selfsup/core';
import { globSync, isDynamicPattern } from 'tinyglobby';
import { readBrownCorpus } from './brown.js';

export interface CorpusDocument {
  /** Where it came from: a file path, `file.jsonl:LINE`, or a Brown file id such as `ca01`. */
  name: string;
  text: string;
  /**
   * Character offsets in `text` where each sentence ends, when the corpus marks sentences (Brown does). Without
   * them every non-empty line counts as a sentence (see `documentSentences`).
   */
  sentenceEnds?: number[];
}

export type CorpusKind = 'file' | 'folder' | 'glob' | 'jsonl' | 'brown';

export interface Corpus {
  /** The source as given (`brown`, a path or a glob). */
  source: string;
  kind: CorpusKind;
  documents: CorpusDocument[];
  /** Total characters (UTF-16 code units) over all documents. */
  characters: number;
}

/** The built-in corpus name. */
export const BROWN = 'brown';

/** V8 cannot hold a string longer than about 2^29 characters; refuse such files with advice instead of a crash. */
const MAX_FILE_BYTES = 512 * 1024 * 1024;

const TEXT_EXTENSIONS = /\.(txt|md)$/i;

/**
 * Reads a corpus. `source` is `brown`, a file (`.jsonl` files are read line by line), a folder (every `.txt` and `.md`
 * file below it, in sorted order) or a glob (`data/**\/*.txt`). Bad input throws a `SelfsupError` naming the file,
 * the line or the byte offset.
 */
export function readCorpus(source: string): Corpus {
  if (typeof source !== 'string' || source.trim() === '')
    throw inputError('the data source is empty: give a file, a folder, a glob or "brown"');
  if (source === BROWN) return finish(source, 'brown', readBrownCorpus());
  const kind = pathKind(source);
  if (kind === 'file') {
    const documents = isJsonl(source) ? readJsonl(source) : [readTextDocument(source, source)];
    return finish(source, isJsonl(source) ? 'jsonl' : 'file', documents);
  }
  if (kind === 'folder') {
    const files = listTextFiles(source);
    if (files.length === 0) throw inputError(`${source}: the folder has no .txt or .md files`);
    return finish(
      source,
      'folder',
      files.map((file) => readTextDocument(file, file)),
    );
  }
  if (isDynamicPattern(source)) {
    const files = globFiles(source);
    if (files.length === 0) throw inputError(`${source}: the glob matches no files`);
    return finish(
      source,
      'glob',
      files.flatMap((file) => (isJsonl(file) ? readJsonl(file) : [readTextDocument(file, file)])),
    );
  }
  throw inputError(`${source}: not found (expected a text file, a folder, a glob, a .jsonl file or "brown")`);
}

function finish(source: string, kind: CorpusKind, all: CorpusDocument[]): Corpus {
  const documents = all.filter((d) => d.text.length > 0);
  if (documents.length === 0) throw inputError(`${source}: the corpus is empty (no text found)`);
  let characters = 0;
  for (const d of documents) characters += d.text.length;
  return { source, kind, documents, characters };
}

function pathKind(path: string): 'file' | 'folder' | 'missing' {
  try {
    const st = statSync(path);
    if (st.isDirectory()) return 'folder';
    return 'file';
  } catch (err) {
    if (isInputFsError(err)) return 'missing';
    throw runtimeError(`cannot read ${path}: ${describeFsError(err)}`, err);
  }
}

function isJsonl(path: string): boolean {
  return /\.jsonl$/i.test(path);
}

function readBytes(path: string): Buffer {
  try {
    const size = statSync(path).size;
    if (size > MAX_FILE_BYTES) {
      throw inputError(
        `${path}: file is ${size} bytes; split it into files under ${MAX_FILE_BYTES} bytes and pass the folder`,
      );
    }
    return readFileSync(path);
  } catch (err) {
    if (err instanceof Error && err.name === 'SelfsupError') throw err;
    if (isInputFsError(err)) throw inputError(`${path}: ${describeFsError(err)}`, err);
    throw runtimeError(`cannot read ${path}: ${describeFsError(err)}`, err);
  }
}

function readTextDocument(path: string, name: string): CorpusDocument {
  return { name, text: decodeUtf8(readBytes(path), path) };
}

/** One document per non-blank line; each line must be a JSON object with a string `text`. */
function readJsonl(path: string): CorpusDocument[] {
  const lines = decodeUtf8(readBytes(path), path).split('\n');
  const documents: CorpusDocument[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const where = `${path} line ${i + 1}`;
    const value = parseJson(line, where);
    const text =
      typeof value === 'object' && value !== null && !Array.isArray(value)
        ? (value as Record<string, unknown>).text
        : undefined;
    if (typeof text !== 'string') throw inputError(`${where}: expected a JSON object with a string "text" field`);
    documents.push({ name: `${path}:${i + 1}`, text });
  }
  return documents;
}

/** Every `.txt`/`.md` file below `dir` (hidden entries skipped), sorted by path so the order is the same everywhere. */
export function listTextFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch (err) {
      throw (isInputFsError(err) ? inputError : runtimeError)(`cannot read folder ${d}: ${describeFsError(err)}`, err);
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const path = join(d, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        try {
          const st = statSync(path);
          isDir = st.isDirectory();
          isFile = st.isFile();
        } catch {
          continue; // a dangling link is not part of the corpus
        }
      }
      if (isDir) walk(path);
      else if (isFile && TEXT_EXTENSIONS.test(e.name)) found.push(path);
    }
  };
  walk(dir);
  return found.sort(compareCodePoints);
}

function globFiles(pattern: string): string[] {
  const absolute = isAbsolute(pattern);
  const files = globSync(pattern, { onlyFiles: true, absolute: true, dot: false, expandDirectories: false });
  const cwd = process.cwd();
  return files.map((f) => (absolute ? resolve(f) : relative(cwd, f))).sort(compareCodePoints);
}

function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The sentences of a document: the marked ones when the corpus has them (Brown), otherwise its non-empty lines.
 * Used to pack masked-LM blocks without cutting sentences.
 */
export function documentSentences(doc: CorpusDocument): string[] {
  const out: string[] = [];
  if (doc.sentenceEnds) {
    let start = 0;
    for (const end of doc.sentenceEnds) {
      const s = doc.text.slice(start, end).trim();
      if (s) out.push(s);
      start = end;
    }
    const rest = doc.text.slice(start).trim();
    if (rest) out.push(rest);
    return out;
  }
  for (const line of doc.text.split('\n')) {
    const s = line.trim();
    if (s) out.push(s);
  }
  return out;
}
