/**
 * A corpus → one token stream, with its boundaries marked the way the batch makers read them:
 *
 * - `documents` layout (char, BPE, GPT-2): documents one after another, separated by the tokenizer's end-of-text
 *   token when it has one, else by a blank line of text. A one-file corpus is exactly `encode(text)`.
 * - `sentences` layout (tokenizers with `[CLS]`/`[SEP]`, i.e. WordPiece): `[CLS]` starts each document and `[SEP]`
 *   ends each sentence, so `mlmBlocks` can pack whole sentences of one document into a block.
 *
 * Long documents are encoded in pieces (with identical results; the tokenizer carries unfinished words over), so
 * progress can be reported and the event loop (Ctrl-C) gets a turn.
 */
import { runtimeError } from '@selfsup/core';
import { type Corpus, documentSentences } from './corpus.js';
import type { DataTokenizer } from './tokenizer-spec.js';
import { mlmSpecialIds } from './tokenizer-spec.js';

export type StreamLayout = 'documents' | 'sentences';

export interface EncodedCorpus {
  tokens: Int32Array;
  layout: StreamLayout;
  /** `documents` layout: the id between documents, when the tokenizer has an end-of-text token. */
  documentSeparatorId?: number;
  /** `sentences` layout: the ids that mark document starts and sentence ends. */
  clsTokenId?: number;
  sepTokenId?: number;
}

export interface EncodeProgress {
  /** Characters of the corpus encoded so far, and in total. */
  done: number;
  total: number;
}

export interface EncodeCorpusOptions {
  onProgress?: (progress: EncodeProgress) => void;
  /** Stop early: the promise rejects with an "interrupted" error. */
  signal?: AbortSignal;
  /** Characters per piece when encoding a long document (default 1 Mi). */
  chunkChars?: number;
}

/** The text put between documents when the tokenizer has no end-of-text token: a blank line. */
export function documentSeparatorText(previous: string): string {
  return previous.endsWith('\n') ? '\n' : '\n\n';
}

/** The corpus as one string, documents separated as `encodeCorpus` does without an end-of-text token. */
export function joinDocuments(corpus: Corpus): string {
  let out = '';
  corpus.documents.forEach((d, i) => {
    if (i > 0) out += documentSeparatorText(corpus.documents[i - 1].text);
    out += d.text;
  });
  return out;
}

/** Encodes ordinary text: special-token strings in a corpus are text, never control tokens. */
function encodeOrdinary(tokenizer: DataTokenizer, text: string): Int32Array {
  const t = tokenizer as DataTokenizer & { encodeOrdinary?: (text: string) => Int32Array };
  if (typeof t.encodeOrdinary === 'function') return t.encodeOrdinary(text);
  return tokenizer.encode(text, { allowedSpecial: 'none', disallowedSpecial: 'none', addSpecialTokens: false });
}

export async function encodeCorpus(
  corpus: Corpus,
  tokenizer: DataTokenizer,
  options: EncodeCorpusOptions = {},
): Promise<EncodedCorpus> {
  const chunkChars = options.chunkChars ?? 1 << 20;
  const out = new IdStream(Math.ceil(corpus.characters / 3) + 16);
  const total = corpus.characters;
  let done = 0;
  let sinceYield = 0;
  const step = async (chars: number) => {
    done += chars;
    sinceYield += chars;
    if (sinceYield >= chunkChars) {
      sinceYield = 0;
      options.onProgress?.({ done, total });
      await new Promise((resolve) => setImmediate(resolve));
      if (options.signal?.aborted) throw interrupted();
    }
  };
  if (options.signal?.aborted) throw interrupted();

  const mlm = mlmSpecialIds(tokenizer);
  if (mlm) {
    for (const doc of corpus.documents) {
      out.push(mlm.clsTokenId);
      for (const sentence of documentSentences(doc)) {
        out.append(encodeOrdinary(tokenizer, sentence));
        out.push(mlm.sepTokenId);
        await step(sentence.length);
      }
      await step(0);
    }
    options.onProgress?.({ done: total, total });
    return { tokens: out.toInt32Array(), layout: 'sentences', clsTokenId: mlm.clsTokenId, sepTokenId: mlm.sepTokenId };
  }

  const eot = tokenizer.endOfTextId;
  for (let d = 0; d < corpus.documents.length; d++) {
    const text = corpus.documents[d].text;
    if (d > 0) {
      if (eot !== undefined) out.push(eot);
      else out.append(encodeOrdinary(tokenizer, documentSeparatorText(corpus.documents[d - 1].text)));
    }
    if (text.length <= chunkChars) {
      out.append(encodeOrdinary(tokenizer, text));
      await step(text.length);
      continue;
    }
    for await (const ids of encodePieces(tokenizer, text, chunkChars)) {
      out.append(ids.ids);
      await step(ids.chars);
    }
  }
  options.onProgress?.({ done: total, total });
  return {
    tokens: out.toInt32Array(),
    layout: 'documents',
    ...(eot !== undefined ? { documentSeparatorId: eot } : {}),
  };
}

interface StreamingTokenizer {
  startStream(options: Record<string, unknown>): { push(text: string): ArrayLike<number>; end(): ArrayLike<number> };
}

/** A long text in pieces of `chunkChars`; the tokenizer's stream keeps the ids equal to encoding the whole text. */
async function* encodePieces(
  tokenizer: DataTokenizer,
  text: string,
  chunkChars: number,
): AsyncGenerator<{ ids: ArrayLike<number>; chars: number }> {
  const streaming = tokenizer as DataTokenizer & Partial<StreamingTokenizer>;
  if (typeof streaming.startStream !== 'function') {
    yield { ids: encodeOrdinary(tokenizer, text), chars: text.length };
    return;
  }
  const stream = streaming.startStream({ allowedSpecial: 'none', disallowedSpecial: 'none' });
  let at = 0;
  while (at < text.length) {
    let end = Math.min(text.length, at + chunkChars);
    if (end < text.length && (text.charCodeAt(end) & 0xfc00) === 0xdc00) end--; // never cut a surrogate pair
    yield { ids: stream.push(text.slice(at, end)), chars: end - at };
    at = end;
  }
  yield { ids: stream.end(), chars: 0 };
}

function interrupted() {
  return runtimeError('interrupted: nothing was written');
}

/** A growable Int32Array. */
class IdStream {
  private data: Int32Array;
  private length = 0;

  constructor(capacity: number) {
    this.data = new Int32Array(Math.max(16, capacity));
  }

  push(id: number): void {
    this.reserve(1);
    this.data[this.length++] = id;
  }

  append(ids: ArrayLike<number>): void {
    this.reserve(ids.length);
    this.data.set(ids, this.length);
    this.length += ids.length;
  }

  private reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.data.length) return;
    const next = new Int32Array(Math.max(need, Math.ceil(this.data.length * 1.5)));
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }

  toInt32Array(): Int32Array {
    return this.length === this.data.length ? this.data : this.data.slice(0, this.length);
  }
}
