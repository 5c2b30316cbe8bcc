#!/usr/bin/env node
/**
 * `pnpm test:soak`: a long run of a tiny GPT (20,000 steps by default) in one process, through the public API, to
 * catch what short tests cannot: leaked tensors, memory that creeps up, checkpoint folders that pile up. It
 * samples `tf.memory().numTensors` and the process RSS every `--sample-every` steps and fails (exit 1) unless
 *
 *   - numTensors is the same at every sample after warm-up (no tensor leaks, in steps, evaluations or checkpoints);
 *   - RSS at the end is within 5% of RSS after warm-up (medians of the last and first five samples);
 *   - the run folder never holds more than --keep-last checkpoints (the newest plus RUN/checkpoints/step-*).
 *
 * Flags: --steps N (20000), --backend cpu|wasm (cpu), --keep-last N (3), --eval-interval N (500),
 * --sample-every N (250), --warmup N (2000), --out DIR (a temporary folder, removed at the end), --json.
 * It builds nothing: run `pnpm build` first (the root script does).
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { selectBackend } from '@selfsup/backends';
import { prepareData } from '@selfsup/dataset';
import * as tf from '@tensorflow/tfjs-core';
import { listArchivedCheckpoints, readCheckpoint, resolveOptions, train } from '../dist/index.js';

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '20000' },
    backend: { type: 'string', default: 'cpu' },
    'keep-last': { type: 'string', default: '3' },
    'eval-interval': { type: 'string', default: '500' },
    'sample-every': { type: 'string', default: '250' },
    warmup: { type: 'string', default: '2000' },
    out: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const steps = Number(args.steps);
const keepLast = Number(args['keep-last']);
const evalInterval = Number(args['eval-interval']);
const sampleEvery = Number(args['sample-every']);
const warmup = Math.min(Number(args.warmup), Math.floor(steps / 2));

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const shakespeare = resolve(repo, '..', 'shared', 'data', 'tinyshakespeare.txt');
const work = args.out ?? mkdtempSync(join(tmpdir(), 'selfsup-soak-'));
const run = join(work, 'run');
const log = (line) => process.stderr.write(`${line}\n`);

tf.enableProdMode(); // no tfjs banner on stderr (as in the CLI)
const choice = await selectBackend(args.backend);
log(`soak: ${steps} steps on ${choice.name}, keep-last ${keepLast}, checkpoint every ${evalInterval}, in ${work}`);

// Data: nanoGPT's Shakespeare, character by character (or the built-in Brown corpus where it is absent).
const data = join(work, 'data');
if (!existsSync(join(data, 'meta.json'))) {
  await prepareData({ source: existsSync(shakespeare) ? shakespeare : 'brown', tokenizer: 'char', outDir: data });
}

const { options } = resolveOptions({
  flags: {
    nLayer: 1,
    nHead: 2,
    nEmbd: 16,
    blockSize: 16,
    batchSize: 4,
    maxIters: steps,
    lrDecayIters: steps,
    warmupIters: 100,
    lr: 3e-3,
    evalInterval,
    evalIters: 2,
    logInterval: 100,
    dropout: 0.1,
  },
});

/** @type {{step: number, numTensors: number, rssMiB: number, heapMiB: number, arrayBuffersMiB: number, seconds: number}[]} */
const samples = [];
const checkpointCounts = [];
let checkpoints = 0;
let maxCount = 0;
const started = performance.now();
const gc = globalThis.gc ?? (() => {});

function checkpointCount() {
  let n = readCheckpoint(run).manifest ? 1 : 0;
  n += listArchivedCheckpoints(run).length;
  // Anything else in checkpoints/ (a leftover temporary folder) counts too.
  const archive = join(run, 'checkpoints');
  if (existsSync(archive)) n += readdirSync(archive).filter((e) => !/^step-\d{8,}$/.test(e)).length;
  return n;
}

for await (const event of train({ out: run, data, options, sampleTokens: 0, keepLast })) {
  if (event.type === 'step' && event.step % sampleEvery === 0) {
    gc();
    const m = process.memoryUsage();
    samples.push({
      step: event.step,
      numTensors: tf.memory().numTensors,
      rssMiB: m.rss / 2 ** 20,
      heapMiB: m.heapUsed / 2 ** 20,
      arrayBuffersMiB: m.arrayBuffers / 2 ** 20,
      seconds: (performance.now() - started) / 1000,
    });
    if (event.step % (sampleEvery * 8) === 0) {
      const s = samples.at(-1);
      log(
        `step ${event.step}: loss ${event.loss.toFixed(4)}, ${s.numTensors} tensors, RSS ${s.rssMiB.toFixed(1)} MiB, heap ${s.heapMiB.toFixed(1)} MiB, ${s.seconds.toFixed(0)} s`,
      );
    }
  }
  if (event.type === 'checkpoint') {
    checkpoints += 1;
    const n = checkpointCount();
    checkpointCounts.push(n);
    maxCount = Math.max(maxCount, n);
  }
  if (event.type === 'done') log(`done: ${event.summary.step} steps, val loss ${event.summary.valLoss?.toFixed(4)}`);
}

// ---- verdict -------------------------------------------------------------------------------------------------
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const after = samples.filter((s) => s.step > warmup);
const tensors = after.map((s) => s.numTensors);
const rssStart = median(after.slice(0, 5).map((s) => s.rssMiB));
const rssEnd = median(after.slice(-5).map((s) => s.rssMiB));
const rssGrowth = (rssEnd - rssStart) / rssStart;
const heapStart = median(after.slice(0, 5).map((s) => s.heapMiB));
const heapEnd = median(after.slice(-5).map((s) => s.heapMiB));
const finalCount = checkpointCount();
const expectedFinal = Math.min(keepLast, checkpoints);
const checks = [
  {
    name: 'numTensors flat after warm-up',
    ok: after.length > 0 && Math.min(...tensors) === Math.max(...tensors),
    detail: `min ${Math.min(...tensors)}, max ${Math.max(...tensors)} over ${after.length} samples`,
  },
  {
    name: 'RSS growth < 5% after warm-up',
    ok: rssGrowth < 0.05,
    detail: `${rssStart.toFixed(1)} → ${rssEnd.toFixed(1)} MiB (${(rssGrowth * 100).toFixed(2)}%)`,
  },
  {
    name: `checkpoints ≤ --keep-last ${keepLast}`,
    ok: maxCount <= keepLast && finalCount === expectedFinal,
    detail: `${checkpoints} saved, at most ${maxCount} on disk at once, ${finalCount} at the end`,
  },
];
const seconds = (performance.now() - started) / 1000;
const result = {
  steps,
  backend: choice.name,
  seconds,
  msPerStep: (seconds * 1000) / steps,
  warmup,
  checks,
  heapMiB: { start: heapStart, end: heapEnd },
  samples,
  checkpointCounts,
};
writeFileSync(join(work, 'soak.json'), `${JSON.stringify(result, null, 2)}\n`);
for (const c of checks) log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
log(
  `heap ${heapStart.toFixed(1)} → ${heapEnd.toFixed(1)} MiB; ${seconds.toFixed(0)} s in all (${result.msPerStep.toFixed(1)} ms/step)`,
);
if (args.json) process.stdout.write(`${JSON.stringify({ ...result, samples: undefined }, null, 2)}\n`);
if (!args.out) rmSync(work, { recursive: true, force: true });
else log(`figures in ${join(work, 'soak.json')}`);
process.exit(checks.every((c) => c.ok) ? 0 : 1);
