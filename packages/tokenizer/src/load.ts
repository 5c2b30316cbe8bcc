/**
 * `loadTokenizer`: reads a Hugging Face `tokenizer.json` — any file selfsup writes, and GPT-2's or BERT's — and
 * rebuilds the tokenizer. The file is untrusted input: its size, every field's type, the ids (integers in range,
 * no duplicates, no gaps) and the merges (known tokens, results in the vocabulary) are checked, and each problem
 * is a one-line `SelfsupError` naming the file and the field.
 */
import { inputError, parseJson, quoteJson, readJsonFile } from '@selfsup/core';
import { BpeTokenizer } from './bpe.js';
import { tokenToBytes } from './byte-level.js';
import { CharTokenizer } from './char.js';
import { WordPieceTokenizer } from './wordpiece.js';

export interface LoadOptions {
  /** Refuse files larger than this (default 64 MiB). */
  maxBytes?: number;
  /** How errors name the source when `pathOrJson` is not a path (default `tokenizer.json`). */
  name?: string;
}

export const MAX_TOKENIZER_JSON_BYTES = 64 * 1024 * 1024;
const MAX_VOCAB = 1 << 22;
const MAX_TOKEN_CHARS = 4096;
const MAX_ADDED_TOKENS = 100_000;

type Json = Record<string, unknown>;

/** Any tokenizer this package builds; narrow it with `kind`. */
export type AnyTokenizer = CharTokenizer | BpeTokenizer | WordPieceTokenizer;

/**
 * Loads a tokenizer from a `tokenizer.json` path, from its text (a string starting with `{`), or from the parsed
 * object.
 */
export function loadTokenizer(pathOrJson: string | object, options: LoadOptions = {}): AnyTokenizer {
  if (typeof pathOrJson === 'string') {
    if (pathOrJson.trimStart().startsWith('{')) {
      const what = options.name ?? 'tokenizer.json';
      const max = options.maxBytes ?? MAX_TOKENIZER_JSON_BYTES;
      if (pathOrJson.length > max)
        throw inputError(`${what}: ${pathOrJson.length} characters, more than the ${max} allowed`);
      return tokenizerFromJson(parseJson(pathOrJson, what), what);
    }
    const json = readJsonFile(pathOrJson, { maxBytes: options.maxBytes ?? MAX_TOKENIZER_JSON_BYTES });
    return tokenizerFromJson(json, pathOrJson);
  }
  return tokenizerFromJson(pathOrJson, options.name ?? 'tokenizer.json');
}

/** Builds a tokenizer from a parsed `tokenizer.json`; `what` names the source in errors. */
export function tokenizerFromJson(json: unknown, what: string): AnyTokenizer {
  const fail = (field: string, problem: string) => inputError(`${what}: ${field}: ${problem}`);
  if (!isObject(json)) throw inputError(`${what}: expected a JSON object (a Hugging Face tokenizer.json)`);
  const model = json.model;
  if (!isObject(model)) throw fail('model', model === undefined ? 'missing' : 'expected an object');
  const type = model.type ?? inferModelType(model);
  if (typeof type !== 'string') throw fail('model.type', 'expected a string');

  const vocab = readVocab(model.vocab, fail);
  const special = readAddedTokens(json.added_tokens, vocab, fail);
  if (vocab.length === 0) throw fail('model.vocab', 'the vocabulary is empty');
  for (let id = 0; id < vocab.length; id++) {
    if (vocab[id] === undefined)
      throw fail('model.vocab', `ids must run from 0 to ${vocab.length - 1} without gaps; id ${id} is missing`);
  }
  switch (type) {
    case 'BPE':
      return bpeFromJson(json, model, vocab as string[], special, fail);
    case 'WordPiece':
      return wordPieceFromJson(json, model, vocab as string[], special, fail);
    case 'WordLevel':
      return charFromJson(json, model, vocab as string[], special, fail);
    default:
      throw fail('model.type', `'${shown(type)}' is not supported (expected BPE, WordPiece or WordLevel)`);
  }
}

type Fail = (field: string, problem: string) => Error;

/** A token from the file for a one-line message: control characters escaped, cut to 40 characters. */
function shown(token: string): string {
  const escaped = JSON.stringify(token).slice(1, -1);
  return escaped.length > 40 ? `${escaped.slice(0, 40)}…` : escaped;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function inferModelType(model: Json): string {
  if ('merges' in model) return 'BPE';
  if ('max_input_chars_per_word' in model || 'continuing_subword_prefix' in model) return 'WordPiece';
  return 'WordLevel';
}

function checkToken(token: unknown, field: string, fail: Fail): string {
  if (typeof token !== 'string') throw fail(field, 'expected a string');
  if (token.length === 0) throw fail(field, 'a token must not be empty');
  if (token.length > MAX_TOKEN_CHARS)
    throw fail(field, `a token of ${token.length} characters is longer than the ${MAX_TOKEN_CHARS} allowed`);
  return token;
}

function checkId(id: unknown, field: string, fail: Fail): number {
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0)
    throw fail(field, `expected an id (an integer >= 0), got ${quoteJson(id)}`);
  if (id >= MAX_VOCAB) throw fail(field, `id ${id} is beyond the ${MAX_VOCAB} ids allowed`);
  return id;
}

/** `model.vocab` (token → id) as an array indexed by id; may still have gaps (added tokens fill some). */
function readVocab(raw: unknown, fail: Fail): (string | undefined)[] {
  if (!isObject(raw))
    throw fail('model.vocab', raw === undefined ? 'missing' : 'expected an object mapping tokens to ids');
  const entries = Object.entries(raw);
  if (entries.length > MAX_VOCAB)
    throw fail('model.vocab', `${entries.length} tokens, more than the ${MAX_VOCAB} allowed`);
  const vocab: (string | undefined)[] = [];
  for (const [token, rawId] of entries) {
    checkToken(token, `model.vocab['${shown(token)}']`, fail);
    const id = checkId(rawId, `model.vocab['${shown(token)}']`, fail);
    if (vocab[id] !== undefined)
      throw fail('model.vocab', `id ${id} is given to both '${shown(vocab[id]!)}' and '${shown(token)}'`);
    vocab[id] = token;
  }
  return vocab;
}

/** Adds `added_tokens` into the vocabulary; returns the special ones (non-special added tokens count as special). */
function readAddedTokens(raw: unknown, vocab: (string | undefined)[], fail: Fail): Record<string, number> {
  const special: Record<string, number> = {};
  if (raw === undefined || raw === null) return special;
  if (!Array.isArray(raw)) throw fail('added_tokens', 'expected an array');
  if (raw.length > MAX_ADDED_TOKENS)
    throw fail('added_tokens', `${raw.length} entries, more than the ${MAX_ADDED_TOKENS} allowed`);
  raw.forEach((entry, i) => {
    const field = `added_tokens[${i}]`;
    if (!isObject(entry)) throw fail(field, 'expected an object with id and content');
    const content = checkToken(entry.content, `${field}.content`, fail);
    const id = checkId(entry.id, `${field}.id`, fail);
    if (vocab[id] !== undefined && vocab[id] !== content)
      throw fail(`${field}.id`, `id ${id} is '${shown(vocab[id]!)}' in model.vocab, not '${shown(content)}'`);
    if (content in special && special[content] !== id)
      throw fail(`${field}.content`, `'${shown(content)}' is listed twice with different ids`);
    vocab[id] = content;
    special[content] = id;
  });
  return special;
}

function typeOf(v: unknown): string | undefined {
  return isObject(v) && typeof v.type === 'string' ? v.type : undefined;
}

/** A component's `type` for a message, or the value itself when it has none. */
function describeType(v: unknown): string {
  const type = typeOf(v);
  return type === undefined ? quoteJson(v ?? null) : shown(type);
}

function expectNullish(value: unknown, field: string, fail: Fail, allowed: unknown[] = []): void {
  if (value === undefined || value === null || allowed.includes(value)) return;
  throw fail(field, `${quoteJson(value)} is not supported`);
}

function bpeFromJson(
  json: Json,
  model: Json,
  vocab: string[],
  special: Record<string, number>,
  fail: Fail,
): BpeTokenizer {
  const pre = json.pre_tokenizer;
  if (typeOf(pre) !== 'ByteLevel') {
    throw fail(
      'pre_tokenizer',
      `only byte-level BPE (a ByteLevel pre-tokenizer, as GPT-2) is supported, got ${describeType(pre)}`,
    );
  }
  const p = pre as Json;
  expectNullish(p.add_prefix_space, 'pre_tokenizer.add_prefix_space', fail, [false]);
  expectNullish(p.use_regex, 'pre_tokenizer.use_regex', fail, [true]);
  expectNullish(json.normalizer, 'normalizer', fail);
  expectNullish(model.dropout, 'model.dropout', fail, [0]);
  expectNullish(model.unk_token, 'model.unk_token', fail);
  expectNullish(model.continuing_subword_prefix, 'model.continuing_subword_prefix', fail, ['']);
  expectNullish(model.end_of_word_suffix, 'model.end_of_word_suffix', fail, ['']);
  expectNullish(model.byte_fallback, 'model.byte_fallback', fail, [false]);
  expectNullish(model.ignore_merges, 'model.ignore_merges', fail, [false]);
  const specialIds = new Set(Object.values(special));
  vocab.forEach((token, id) => {
    if (!specialIds.has(id) && !tokenToBytes(token))
      throw fail(`model.vocab['${shown(token)}']`, 'has a character outside the byte-level alphabet');
  });
  const index = new Map<string, number>();
  vocab.forEach((t, id) => {
    if (!index.has(t)) index.set(t, id);
  });
  const rawMerges = model.merges;
  if (!Array.isArray(rawMerges)) throw fail('model.merges', rawMerges === undefined ? 'missing' : 'expected an array');
  if (rawMerges.length > MAX_VOCAB)
    throw fail('model.merges', `${rawMerges.length} merges, more than the ${MAX_VOCAB} allowed`);
  const merges: [number, number][] = rawMerges.map((m, i) => {
    const field = `model.merges[${i}]`;
    let pair: unknown[];
    if (typeof m === 'string') {
      pair = m.split(' ');
      if (pair.length !== 2) throw fail(field, `expected "left right", got ${quoteJson(m)}`);
    } else if (Array.isArray(m) && m.length === 2) pair = m;
    else throw fail(field, 'expected a pair of tokens');
    const [a, b] = pair;
    if (typeof a !== 'string' || typeof b !== 'string') throw fail(field, 'expected a pair of strings');
    const ia = index.get(a);
    const ib = index.get(b);
    if (ia === undefined) throw fail(field, `'${shown(a)}' is not in model.vocab`);
    if (ib === undefined) throw fail(field, `'${shown(b)}' is not in model.vocab`);
    if (!index.has(a + b))
      throw fail(field, `'${shown(a)}' + '${shown(b)}' makes '${shown(a + b)}', which is not in model.vocab`);
    return [ia, ib];
  });
  return new BpeTokenizer({ vocab, merges, specialTokens: special });
}

function wordPieceFromJson(
  json: Json,
  model: Json,
  vocab: string[],
  special: Record<string, number>,
  fail: Fail,
): WordPieceTokenizer {
  const unk = model.unk_token ?? '[UNK]';
  if (typeof unk !== 'string' || !vocab.includes(unk))
    throw fail('model.unk_token', `expected a token of model.vocab, got ${quoteJson(unk)}`);
  const prefix = model.continuing_subword_prefix ?? '##';
  if (typeof prefix !== 'string') throw fail('model.continuing_subword_prefix', 'expected a string');
  const maxChars = model.max_input_chars_per_word ?? 100;
  if (typeof maxChars !== 'number' || !Number.isInteger(maxChars) || maxChars < 1)
    throw fail('model.max_input_chars_per_word', 'expected a positive integer');

  const norm = json.normalizer;
  let normalizer = {
    cleanText: false,
    handleChineseChars: false,
    stripAccents: false as boolean | null,
    lowercase: false,
  };
  if (norm !== null && norm !== undefined) {
    if (typeOf(norm) !== 'BertNormalizer')
      throw fail('normalizer', `only BertNormalizer is supported for WordPiece, got ${describeType(norm)}`);
    const n = norm as Json;
    const flag = (key: string, dflt: boolean) => {
      const v = n[key] ?? dflt;
      if (typeof v !== 'boolean') throw fail(`normalizer.${key}`, 'expected true or false');
      return v;
    };
    const strip = n.strip_accents ?? null;
    if (strip !== null && typeof strip !== 'boolean')
      throw fail('normalizer.strip_accents', 'expected true, false or null');
    normalizer = {
      cleanText: flag('clean_text', true),
      handleChineseChars: flag('handle_chinese_chars', true),
      stripAccents: strip,
      lowercase: flag('lowercase', true),
    };
  }
  if (typeOf(json.pre_tokenizer) !== 'BertPreTokenizer') {
    throw fail(
      'pre_tokenizer',
      `only BertPreTokenizer is supported for WordPiece, got ${describeType(json.pre_tokenizer)}`,
    );
  }
  const { cls, sep } = templateNames(json.post_processor, fail);
  const config = {
    vocab,
    unkToken: unk,
    continuingSubwordPrefix: prefix,
    maxInputCharsPerWord: maxChars,
    clsToken: cls,
    sepToken: sep,
    specialTokens: special,
    ...normalizer,
  };
  for (const [field, name] of [
    ['post_processor (CLS)', cls],
    ['post_processor (SEP)', sep],
    ['added_tokens', '[PAD]'],
    ['added_tokens', '[MASK]'],
  ] as const) {
    if (!vocab.includes(name)) throw fail(field, `the vocabulary has no '${shown(name)}' token`);
  }
  return new WordPieceTokenizer(config);
}

/** The `[CLS]` and `[SEP]` names of a TemplateProcessing or BertProcessing post-processor. */
function templateNames(post: unknown, fail: Fail): { cls: string; sep: string } {
  const names = { cls: '[CLS]', sep: '[SEP]' };
  const type = typeOf(post);
  if (post === null || post === undefined) return names;
  if (type === 'BertProcessing') {
    const p = post as Json;
    const pick = (v: unknown, field: string) => {
      if (!Array.isArray(v) || typeof v[0] !== 'string') throw fail(`post_processor.${field}`, 'expected [token, id]');
      return v[0];
    };
    return { cls: pick(p.cls, 'cls'), sep: pick(p.sep, 'sep') };
  }
  if (type === 'TemplateProcessing') {
    const single = (post as Json).single;
    if (!Array.isArray(single)) throw fail('post_processor.single', 'expected an array');
    const specials = single.map((piece) =>
      isObject(piece) && isObject(piece.SpecialToken) ? piece.SpecialToken.id : undefined,
    );
    const first = specials[0];
    const last = specials[specials.length - 1];
    if (typeof first !== 'string' || typeof last !== 'string' || specials.length !== 3) {
      throw fail('post_processor.single', 'only the BERT template "[CLS] $A [SEP]" is supported');
    }
    return { cls: first, sep: last };
  }
  throw fail('post_processor', `${describeType(post)} is not supported for WordPiece`);
}

function charFromJson(
  json: Json,
  model: Json,
  vocab: string[],
  special: Record<string, number>,
  fail: Fail,
): CharTokenizer {
  const pre = json.pre_tokenizer;
  const pattern = isObject(pre) && isObject(pre.pattern) ? pre.pattern.Regex : undefined;
  if (
    typeOf(pre) !== 'Split' ||
    typeof pattern !== 'string' ||
    !['[\\s\\S]', '(?s:.)', '(?s).'].includes(pattern) ||
    (pre as Json).behavior !== 'Isolated'
  ) {
    throw fail(
      'pre_tokenizer',
      'a WordLevel tokenizer.json is read as a char tokenizer, which needs a Split pre-tokenizer isolating each character',
    );
  }
  expectNullish(json.normalizer, 'normalizer', fail);
  const specialIds = new Set(Object.values(special));
  vocab.forEach((token, id) => {
    if (specialIds.has(id)) return;
    const cp = token.codePointAt(0)!;
    if (String.fromCodePoint(cp) !== token)
      throw fail(
        `model.vocab['${shown(token)}']`,
        'a char tokenizer token must be a single character (or a special token)',
      );
  });
  const unk = model.unk_token;
  if (unk !== undefined && unk !== null && typeof unk !== 'string') throw fail('model.unk_token', 'expected a string');
  const unkToken = typeof unk === 'string' && vocab.includes(unk) ? unk : undefined;
  return new CharTokenizer({ vocab, specialTokens: special, unkToken });
}
