// @selfsup/tokenizer benchmark: `pnpm bench` in packages/tokenizer (runs under flock /tmp/selfsup-bench.lock).
// On tiny Shakespeare (../shared/data/tinyshakespeare.txt), side by side in one process, median of 5 rounds
// (each contender: a full GC, one untimed warm-up call, then 5 timed calls; the table also shows the best call):
//   1. GPT-2 encode, MB/s: ours vs gpt-tokenizer, tiktoken (wasm), js-tiktoken, Hugging Face tokenizers (native);
//      every encoder must give the same 338,025 ids.
//   2. Byte-level BPE training: ours vs Hugging Face tokenizers at the vocabulary its Node API reaches (21,336),
//      and ours at 1,000 and 8,000.
//   3. Our other paths: decode, streaming file encode, char / BPE-8k / WordPiece-8k encode, WordPiece training.
// `--quick` runs 2 rounds instead of 5. Run with --expose-gc (the bench script does).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clearMergeCache, encode as gptTokenizerEncode } from 'gpt-tokenizer/encoding/r50k_base';
import { Tiktoken as JsTiktoken } from 'js-tiktoken/lite';
import gpt2Ranks from 'js-tiktoken/ranks/gpt2';
import { get_encoding } from 'tiktoken';
import { BPE, byteLevelPreTokenizer, Tokenizer as HfTokenizer } from 'tokenizers';
import { encodeFile, gpt2Tokenizer, loadTokenizer, trainBpe, trainChar, trainWordPiece } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const DATA = join(here, '..', '..', '..', '..', 'shared', 'data', 'tinyshakespeare.txt');
if (!existsSync(DATA)) {
  console.error(`missing ${DATA}`);
  process.exit(1);
}
const ROUNDS = process.argv.includes('--quick') ? 2 : 5;
const text = readFileSync(DATA, 'utf8');
const bytes = Buffer.byteLength(text);
const MB = bytes / 1e6;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (x, d = 1) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const int = (x) => x.toLocaleString('en-US');
const now = () => performance.now();
/** Wall-clock ms of one call. */
async function time(fn) {
  const t0 = now();
  const out = await fn();
  return { ms: now() - t0, out };
}
/**
 * `ROUNDS` timed calls of `run`, after a full garbage collection (so no one pays for an earlier contender's garbage)
 * and an untimed warm-up call. `setup` (untimed) runs before each call, e.g. to start from a cold cache.
 */
async function block(run, setup = () => undefined) {
  globalThis.gc?.();
  await run(setup());
  const ms = [];
  for (let r = 0; r < ROUNDS; r++) {
    const arg = setup();
    ms.push((await time(() => run(arg))).ms);
  }
  return { median: median(ms), best: Math.min(...ms) };
}
function table(header, rows) {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  console.log(lines.join('\n'));
}
const sameIds = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

const load = (await import('node:os')).loadavg()[0];
console.log(
  `@selfsup/tokenizer bench — tiny Shakespeare, ${int(bytes)} bytes, median of ${ROUNDS}, Node ${process.version}, load average ${fmt(load)} on ${(await import('node:os')).cpus().length} cores\n`,
);

// ---- 1. GPT-2 encode ------------------------------------------------------------------------------------------
const ours = gpt2Tokenizer();
const tiktoken = get_encoding('gpt2');
const jsTiktoken = new JsTiktoken(gpt2Ranks);
const hfGpt2 = HfTokenizer.fromString(JSON.stringify(ours.toJSON()));
const reference = Array.from(ours.encode(text));

const encoders = [
  { name: '@selfsup/tokenizer, warm cache', run: () => ours.encode(text) },
  {
    name: '@selfsup/tokenizer, cold cache (fresh tokenizer each run)',
    cold: () => loadTokenizer(ours.toJSON()),
    run: (t) => t.encode(text),
  },
  { name: 'gpt-tokenizer 4.0.0, warm cache', run: () => gptTokenizerEncode(text) },
  {
    name: 'gpt-tokenizer 4.0.0, cache cleared each run',
    cold: () => clearMergeCache(),
    run: () => gptTokenizerEncode(text),
  },
  { name: 'tiktoken 1.0.22 (wasm)', run: () => tiktoken.encode(text) },
  { name: 'js-tiktoken 1.0.21', run: () => jsTiktoken.encode(text) },
  {
    name: 'Hugging Face tokenizers 0.23.2 (native), one string',
    run: async () => (await hfGpt2.encode(text, null, { addSpecialTokens: false })).getIds(),
  },
];
for (const e of encoders) {
  const ids = Array.from(await e.run(e.cold ? e.cold() : undefined)); // the correctness check
  e.tokens = ids.length;
  e.identical = sameIds(ids, reference);
  e.t = await block(e.run, e.cold);
}
const ref = encoders[2].t;
console.log('## GPT-2 encode (r50k) of the whole file\n');
table(
  ['encoder', 'median ms', 'MB/s', 'vs gpt-tokenizer warm', 'best ms', 'best MB/s', 'tokens', 'ids = ours'],
  encoders.map((e) => [
    e.name,
    fmt(e.t.median),
    fmt(MB / (e.t.median / 1000)),
    `${fmt(ref.median / e.t.median, 2)}×`,
    fmt(e.t.best),
    fmt(MB / (e.t.best / 1000)),
    int(e.tokens),
    e.identical ? 'yes' : 'NO',
  ]),
);
tiktoken.free();

// ---- 2. BPE training ----------------------------------------------------------------------------------------------
// Hugging Face's Node API trains with its default trainer only (vocabulary cap 30,000): on this file it runs out of
// pairs at 21,336 tokens. Ours trains to that size, and to 1,000 and 8,000.
console.log('\n## Byte-level BPE training on the whole file\n');
let hfVocab = 0;
const hfTrain = await block(() => {
  const hf = new HfTokenizer(BPE.empty());
  hf.setPreTokenizer(byteLevelPreTokenizer(false, true));
  hf.train([DATA]);
  hfVocab = hf.getVocabSize(true);
});
const trainRows = [
  [
    'Hugging Face tokenizers 0.23.2 (native, default trainer, 2 threads)',
    int(hfVocab),
    '—',
    fmt(hfTrain.median / 1000, 3),
    '1.00×',
    fmt(hfTrain.best / 1000, 3),
    '—',
  ],
];
for (const v of [hfVocab, 1000, 8000]) {
  let tok;
  const t = await block(() => {
    tok = trainBpe(text, { vocabSize: v, specialTokens: [] });
  });
  trainRows.push([
    '@selfsup/tokenizer trainBpe (1 thread)',
    int(tok.vocabSize),
    int(tok.merges.length),
    fmt(t.median / 1000, 3),
    `${fmt(t.median / hfTrain.median, 2)}×`,
    fmt(t.best / 1000, 3),
    int(tok.encode(text).length),
  ]);
}
table(['trainer', 'vocab', 'merges', 'median s', 'time vs HF', 'best s', 'tokens of the file'], trainRows);

// ---- 3. Our other paths ---------------------------------------------------------------------------------------------
console.log('\n## Other paths (ours)\n');
const bpe8k = trainBpe(text, { vocabSize: 8000 });
const char = trainChar(text);
const gpt2Ids = ours.encode(text);
const rows = [];
const measure = async (name, fn) => {
  const t = await block(fn);
  rows.push([name, fmt(t.median), fmt(MB / (t.median / 1000)), fmt(t.best)]);
};
await measure('GPT-2 decode (338,025 ids → text)', () => ours.decode(gpt2Ids));
await measure('GPT-2 encodeFile, streaming in 1 MiB chunks', () => encodeFile(ours, DATA));
await measure('GPT-2 encodeFile, streaming in 64 KiB chunks', () => encodeFile(ours, DATA, { chunkBytes: 65536 }));
await measure('char encode (65 symbols)', () => char.encode(text));
await measure('BPE 8k (trained here) encode', () => bpe8k.encode(text));
let wp8k;
await measure('trainWordPiece, vocab 8,000', () => {
  wp8k = trainWordPiece(text, { vocabSize: 8000 });
});
await measure('WordPiece 8k encode', () => wp8k.encode(text));
table(['what', 'median ms', 'MB/s of text', 'best ms'], rows);
