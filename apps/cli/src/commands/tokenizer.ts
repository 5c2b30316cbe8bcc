/** `selfsup tokenizer train|encode|decode`: a few calls into @selfsup/tokenizer (DESIGN.md §4). */
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { inputError, parseJson, readTextFile, usageError } from '@selfsup/core';
import {
  type AnyTokenizer,
  DEFAULT_BPE_SPECIAL_TOKENS,
  encodeFile,
  gpt2Tokenizer,
  loadTokenizer,
  type SpecialTokenPolicy,
  trainBpe,
  trainChar,
  trainWordPiece,
} from '@selfsup/tokenizer';
import { defineCommand } from '../command.js';

const TOKENIZER_FLAG = {
  type: 'string',
  placeholder: 'FILE|gpt2',
  description: 'a tokenizer.json, or gpt2 for GPT-2’s tokenizer',
} as const;

function openTokenizer(value: unknown): AnyTokenizer {
  if (typeof value !== 'string' || value === '')
    throw usageError('--tokenizer is required (a tokenizer.json file, or gpt2)');
  return value === 'gpt2' ? gpt2Tokenizer() : loadTokenizer(value);
}

function list(value: unknown): string[] | undefined {
  if (typeof value !== 'string') return undefined;
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** `--allowed-special all|none|TOKEN,TOKEN` → the package's policy (undefined: the tokenizer's default). */
function specialPolicy(value: unknown): SpecialTokenPolicy | undefined {
  if (value === undefined) return undefined;
  if (value === 'all' || value === 'none') return value;
  return list(value);
}

function readCorpus(files: string[]): string[] {
  const texts = files.map((file) => readTextFile(file));
  if (texts.every((t) => t.length === 0)) throw inputError(`--data ${files.join(' ')}: the corpus is empty`);
  return texts;
}

function checkOutPath(out: string): void {
  const dir = dirname(resolve(out));
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {}
  if (!isDir) throw inputError(`--out ${out}: the folder ${dir} does not exist`);
  try {
    if (statSync(out).isDirectory())
      throw inputError(`--out ${out}: is a folder, expected a file name (e.g. ${out}/tokenizer.json)`);
  } catch (err) {
    if (err instanceof Error && err.name === 'SelfsupError') throw err;
  }
}

const trainCommand = defineCommand({
  name: 'train',
  summary: 'learn a char, byte-level BPE or WordPiece vocabulary and write tokenizer.json',
  usage: 'tokenizer train --kind char|bpe|wordpiece --vocab-size N --data FILE… --out tokenizer.json',
  details: [
    'char: the sorted distinct characters of the text (nanoGPT). bpe: GPT-2 style byte-level BPE, with',
    '<|endoftext|> as its last id. wordpiece: BERT (lower-cased unless --cased), [PAD] [UNK] [CLS] [SEP] [MASK]',
    'first. --vocab-size counts every id (special tokens included); it must hold at least the base alphabet.',
    'The file is Hugging Face’s tokenizer.json: it loads in `tokenizers` and gives the same ids.',
  ].join('\n'),
  flags: {
    kind: { type: 'string', choices: ['char', 'bpe', 'wordpiece'], description: 'the tokenizer to learn' },
    'vocab-size': {
      type: 'int',
      min: 1,
      placeholder: 'N',
      description: 'ids in all (bpe, wordpiece; for char an upper bound)',
    },
    data: {
      type: 'string',
      multiple: true,
      placeholder: 'FILE',
      description: 'a UTF-8 text file to learn from (repeat for more)',
    },
    out: { type: 'string', placeholder: 'FILE', description: 'where to write tokenizer.json' },
    'special-tokens': {
      type: 'string',
      placeholder: 'A,B',
      description: 'comma-separated special tokens (default per kind)',
    },
    'min-frequency': {
      type: 'int',
      min: 0,
      placeholder: 'N',
      description: 'bpe/wordpiece: skip pairs seen fewer times (default 0)',
    },
    cased: { type: 'boolean', description: 'wordpiece: keep case and accents' },
  },
  run({ flags, positionals, out }) {
    const kind = flags.kind as 'char' | 'bpe' | 'wordpiece' | undefined;
    if (!kind) throw usageError('--kind is required (char, bpe or wordpiece)');
    const files = [...((flags.data as string[] | undefined) ?? []), ...positionals];
    if (files.length === 0) throw usageError('--data is required (one or more text files)');
    if (typeof flags.out !== 'string') throw usageError('--out is required (the tokenizer.json to write)');
    const vocabSize = flags.vocabSize as number | undefined;
    if (kind !== 'char' && vocabSize === undefined) throw usageError(`--vocab-size is required for --kind ${kind}`);
    checkOutPath(flags.out);
    const texts = readCorpus(files);
    const specialTokens = list(flags.specialTokens);
    const minFrequency = flags.minFrequency as number | undefined;
    const started = performance.now();
    let tokenizer: AnyTokenizer;
    if (kind === 'char') {
      tokenizer = trainChar(texts, { specialTokens });
      if (vocabSize !== undefined && tokenizer.vocabSize > vocabSize) {
        throw usageError(
          `--vocab-size ${vocabSize} is smaller than the base alphabet (${tokenizer.vocabSize} characters and special tokens)`,
        );
      }
    } else if (kind === 'bpe') {
      tokenizer = trainBpe(texts, {
        vocabSize: vocabSize!,
        specialTokens: specialTokens ?? DEFAULT_BPE_SPECIAL_TOKENS,
        minFrequency,
      });
    } else {
      const cased = flags.cased === true;
      tokenizer = trainWordPiece(texts, {
        vocabSize: vocabSize!,
        specialTokens,
        minFrequency,
        lowercase: !cased,
        stripAccents: cased ? false : null,
      });
    }
    const seconds = (performance.now() - started) / 1000;
    tokenizer.save(flags.out);
    const merges = tokenizer.kind === 'bpe' ? tokenizer.merges.length : undefined;
    out.result(
      {
        kind,
        vocabSize: tokenizer.vocabSize,
        ...(merges !== undefined ? { merges } : {}),
        specialTokens: tokenizer.specialTokens,
        out: flags.out,
        seconds,
      },
      `wrote ${flags.out}: ${kind}, ${tokenizer.vocabSize.toLocaleString('en-US')} tokens${merges !== undefined ? ` (${merges.toLocaleString('en-US')} merges)` : ''}, learned in ${seconds.toFixed(2)} s`,
    );
    return 0;
  },
});

const encodeCommand = defineCommand({
  name: 'encode',
  summary: 'text → token ids',
  usage: 'tokenizer encode --tokenizer FILE|gpt2 [--file F | TEXT…] [--json]',
  details:
    'Prints the ids separated by spaces (a JSON array with --json). A special-token string in the text is an error\n' +
    'unless --allowed-special names it or --disallowed-special none makes it plain text (tiktoken’s rules); WordPiece\n' +
    'allows its [MASK], [CLS]… by default, as Hugging Face does.',
  flags: {
    tokenizer: TOKENIZER_FLAG,
    file: { type: 'string', placeholder: 'F', description: 'encode this UTF-8 file (read in chunks)' },
    'allowed-special': {
      type: 'string',
      placeholder: 'all|none|A,B',
      description: 'special-token strings to encode as special tokens',
    },
    'disallowed-special': {
      type: 'string',
      placeholder: 'all|none|A,B',
      description: 'special-token strings that are an error (default: all not allowed; none: encode them as text)',
    },
    'add-special-tokens': { type: 'boolean', description: 'wordpiece: wrap as [CLS] … [SEP]' },
  },
  run({ flags, positionals, out }) {
    const tokenizer = openTokenizer(flags.tokenizer);
    const hasFile = typeof flags.file === 'string';
    if (hasFile && positionals.length > 0) throw usageError('give either TEXT or --file F, not both');
    if (!hasFile && positionals.length === 0) throw usageError('nothing to encode: give TEXT or --file F');
    const policy = {
      allowedSpecial: specialPolicy(flags.allowedSpecial),
      disallowedSpecial: specialPolicy(flags.disallowedSpecial),
    };
    let ids: Int32Array = hasFile
      ? encodeFile(tokenizer, flags.file as string, policy)
      : tokenizer.encode(positionals.join(' '), policy);
    if (flags.addSpecialTokens) {
      if (tokenizer.kind !== 'wordpiece')
        throw usageError(`--add-special-tokens needs a wordpiece tokenizer; this one is ${tokenizer.kind}`);
      const wrapped = new Int32Array(ids.length + 2);
      wrapped.set(ids, 1);
      wrapped[0] = tokenizer.clsTokenId;
      wrapped[ids.length + 1] = tokenizer.sepTokenId;
      ids = wrapped;
    }
    out.result(Array.from(ids), ids.join(' '));
    return 0;
  },
});

/** Ids from the command line: `1 2 3`, `1,2,3` or `[1, 2, 3]`. */
function parseIds(words: string[], what: string): number[] {
  const parts = words
    .join(' ')
    .replace(/[[\],]/g, ' ')
    .split(/\s+/)
    .filter((s) => s !== '');
  return parts.map((s) => {
    const id = Number(s);
    if (!/^\d+$/.test(s) || !Number.isSafeInteger(id))
      throw inputError(`${what}: '${s}' is not a token id (a whole number >= 0)`);
    return id;
  });
}

function readIdsFile(path: string): number[] {
  const json = parseJson(readTextFile(path, 256 * 1024 * 1024), path);
  if (!Array.isArray(json)) throw inputError(`${path}: expected a JSON array of token ids`);
  json.forEach((id, i) => {
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0)
      throw inputError(`${path}: item ${i} is ${JSON.stringify(id)}, not a token id`);
  });
  return json as number[];
}

const decodeCommand = defineCommand({
  name: 'decode',
  summary: 'token ids → text',
  usage: 'tokenizer decode --tokenizer FILE|gpt2 IDS… | --file F.json',
  details: 'IDS may be separated by spaces or commas; F.json holds a JSON array of ids (what `encode --json` prints).',
  flags: {
    tokenizer: TOKENIZER_FLAG,
    file: { type: 'string', placeholder: 'F.json', description: 'a JSON array of ids' },
    'skip-special-tokens': { type: 'boolean', description: 'leave special tokens out of the text' },
  },
  run({ flags, positionals, out }) {
    const tokenizer = openTokenizer(flags.tokenizer);
    const hasFile = typeof flags.file === 'string';
    if (hasFile && positionals.length > 0) throw usageError('give either IDS or --file F.json, not both');
    if (!hasFile && positionals.length === 0) throw usageError('nothing to decode: give IDS or --file F.json');
    const ids = hasFile ? readIdsFile(flags.file as string) : parseIds(positionals, 'IDS');
    const text = tokenizer.decode(ids, { skipSpecialTokens: flags.skipSpecialTokens === true });
    out.result({ text }, text);
    return 0;
  },
});

export const tokenizerCommand = defineCommand({
  name: 'tokenizer',
  summary: 'train a tokenizer, encode text to ids, decode ids to text',
  usage: 'tokenizer train|encode|decode [flags]',
  subcommands: [trainCommand, encodeCommand, decodeCommand],
});
