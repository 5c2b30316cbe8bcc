// @selfsup/dataset benchmark: `pnpm bench` in packages/dataset (runs under flock /tmp/selfsup-bench.lock).
// Measures, on tiny Shakespeare (../shared/data/tinyshakespeare.txt):
//   - prepareData (what `selfsup prepare` runs) with char, bpe:8000 and wordpiece:8000, and the CLI end to end;
//   - clmBatches: µs per batch and tokens/s for nanogpt-cpu (12×64) and shakespeare-char (64×256) shapes;
//   - mlmCollate / mlmBatches: tokens/s over the WordPiece stream, µs per bert-tiny batch (32×128).
// The figure that matters: one nanogpt-cpu batch against a training step of that preset (~100–1300 ms).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  clmBatches,
  mlmBatches,
  mlmBlocks,
  mlmCollate,
  mlmSpecialIds,
  openPreparedData,
  prepareData,
} from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const DATA = join(root, '..', 'shared', 'data', 'tinyshakespeare.txt');
const CLI = join(root, 'apps', 'cli', 'dist', 'bin.js');
const quick = process.argv.includes('--quick');

if (!existsSync(DATA)) {
  console.error(`missing ${DATA}`);
  process.exit(1);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (x, digits = 1) =>
  x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const rows = [];
let nanogptUs = Number.NaN;
const tmp = mkdtempSync(join(tmpdir(), 'selfsup-dataset-bench-'));

/** Runs `fn` `reps` times, returns the median seconds. */
async function timeIt(reps, fn) {
  const times = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    await fn(i);
    times.push((performance.now() - t) / 1000);
  }
  return median(times);
}

// ---- prepare -----------------------------------------------------------------------------------------------
const prepared = {};
for (const [spec, reps] of [
  ['char', quick ? 1 : 5],
  ['bpe:8000', quick ? 1 : 3],
  ['wordpiece:8000', quick ? 1 : 3],
]) {
  let last;
  const seconds = await timeIt(reps, async (i) => {
    last = await prepareData({ source: DATA, tokenizer: spec, outDir: join(tmp, `${spec.replace(':', '-')}-${i}`) });
  });
  prepared[spec] = last;
  const m = last.meta;
  rows.push([
    `prepareData ${spec}`,
    `${fmt(seconds, 2)} s`,
    `vocab ${m.vocabSize}, train ${m.split.train.toLocaleString('en-US')} / val ${m.split.val.toLocaleString('en-US')} tokens; tokenizer ${fmt(last.seconds.tokenizer, 2)} s, encode ${fmt(last.seconds.encode, 2)} s (median of ${reps})`,
  ]);
}
if (existsSync(CLI)) {
  for (const spec of ['char', 'bpe:8000']) {
    const reps = quick ? 1 : spec === 'char' ? 5 : 3;
    const seconds = await timeIt(reps, (i) => {
      const r = spawnSync(
        process.execPath,
        [
          CLI,
          'prepare',
          '--data',
          DATA,
          '--tokenizer',
          spec,
          '--out',
          join(tmp, `cli-${spec.replace(':', '-')}-${i}`),
          '--json',
        ],
        { encoding: 'utf8' },
      );
      if (r.status !== 0) throw new Error(`selfsup prepare failed: ${r.stderr}`);
    });
    rows.push([
      `selfsup prepare --tokenizer ${spec}`,
      `${fmt(seconds, 2)} s`,
      `whole command incl. node start-up (median of ${reps})`,
    ]);
  }
} else rows.push(['selfsup prepare', 'skipped', `build the CLI first (${CLI} missing)`]);

// ---- CLM batches -------------------------------------------------------------------------------------------
const char = openPreparedData(prepared.char.outDir);
for (const [name, B, T, count] of [
  ['nanogpt-cpu', 12, 64, quick ? 20_000 : 200_000],
  ['shakespeare-char', 64, 256, quick ? 2_000 : 20_000],
]) {
  const perBatch = await timeIt(5, () => {
    const it = clmBatches(char.train.tokens, { blockSize: T, batchSize: B, seed: 1337 });
    for (let k = 0; k < count; k++) it.nextBatch();
  });
  const us = (perBatch / count) * 1e6;
  const tps = (B * T * count) / perBatch;
  rows.push([
    `clmBatches ${name} ${B}×${T}`,
    `${fmt(us, 2)} µs/batch`,
    `${fmt(tps / 1e6, 0)} M tokens/s; ${fmt((us / 1e3 / 100) * 100, 4)}% of a 100 ms step`,
  ]);
  if (name === 'nanogpt-cpu') nanogptUs = us;
}

// ---- MLM ---------------------------------------------------------------------------------------------------
const wp = openPreparedData(prepared['wordpiece:8000'].outDir);
const wpTokenizer = prepared['wordpiece:8000'].tokenizer;
const ids = mlmSpecialIds(wpTokenizer);
const specialTokenIds = Object.values(wpTokenizer.specialTokens);
const stream = Int32Array.from(wp.train.tokens);
const collateSeconds = await timeIt(5, (i) =>
  mlmCollate(stream, { maskTokenId: ids.maskTokenId, vocabSize: wpTokenizer.vocabSize, specialTokenIds, seed: i }),
);
rows.push([
  'mlmCollate (whole train split)',
  `${fmt(stream.length / collateSeconds / 1e6, 1)} M tokens/s`,
  `${stream.length.toLocaleString('en-US')} WordPiece tokens in ${fmt(collateSeconds * 1e3, 1)} ms`,
]);
const blocks = mlmBlocks(wp.train.tokens, {
  blockSize: 128,
  clsTokenId: ids.clsTokenId,
  sepTokenId: ids.sepTokenId,
  padTokenId: ids.padTokenId,
});
let real = 0;
for (const l of blocks.lengths) real += l;
const blockSeconds = await timeIt(5, () =>
  mlmBlocks(wp.train.tokens, {
    blockSize: 128,
    clsTokenId: ids.clsTokenId,
    sepTokenId: ids.sepTokenId,
    padTokenId: ids.padTokenId,
  }),
);
rows.push([
  'mlmBlocks 128',
  `${fmt(blockSeconds * 1e3, 1)} ms`,
  `${blocks.count.toLocaleString('en-US')} blocks, ${fmt((100 * real) / (blocks.count * 128), 1)}% real tokens (rest [PAD])`,
]);
const mlmCount = quick ? 2_000 : 20_000;
const mlmSeconds = await timeIt(5, () => {
  const it = mlmBatches(blocks, {
    batchSize: 32,
    maskTokenId: ids.maskTokenId,
    vocabSize: wpTokenizer.vocabSize,
    specialTokenIds,
    seed: 1,
  });
  for (let k = 0; k < mlmCount; k++) it.nextBatch();
});
const mlmUs = (mlmSeconds / mlmCount) * 1e6;
rows.push([
  'mlmBatches bert-tiny 32×128',
  `${fmt(mlmUs, 1)} µs/batch`,
  `${fmt((32 * 128 * mlmCount) / mlmSeconds / 1e6, 1)} M tokens/s`,
]);
// Whole-word masking costs one table lookup more per token.
const cont = new Uint8Array(wpTokenizer.vocabSize);
for (let id = 0; id < cont.length; id++) if (wpTokenizer.idToToken(id)?.startsWith('##')) cont[id] = 1;
const wwmSeconds = await timeIt(5, () => {
  const it = mlmBatches(blocks, {
    batchSize: 32,
    maskTokenId: ids.maskTokenId,
    vocabSize: wpTokenizer.vocabSize,
    specialTokenIds,
    wordContinuation: cont,
    seed: 1,
  });
  for (let k = 0; k < mlmCount; k++) it.nextBatch();
});
rows.push(['mlmBatches bert-tiny, whole-word', `${fmt((wwmSeconds / mlmCount) * 1e6, 1)} µs/batch`, '']);

// ---- report ------------------------------------------------------------------------------------------------
rmSync(tmp, { recursive: true, force: true });
console.log(
  `\n@selfsup/dataset benchmark — node ${process.version}, ${new Date().toISOString().slice(0, 10)}${quick ? ' (quick)' : ''}\n`,
);
console.log('| what | time | notes |');
console.log('| --- | --- | --- |');
for (const [a, b, c] of rows) console.log(`| ${a} | ${b} | ${c} |`);
console.log(
  `\nnanogpt-cpu batch (12×64): ${fmt(nanogptUs, 2)} µs = ${fmt((nanogptUs / 1e3 / 100) * 100, 4)}% of a 100 ms step, ${fmt((nanogptUs / 1e3 / 1300) * 100, 5)}% of a 1300 ms step (target < 2%).`,
);
