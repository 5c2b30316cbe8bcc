#!/usr/bin/env node
/**
 * The nanoGPT replay: is selfsup's training loop nanoGPT's? Trains the nanogpt-cpu recipe with this package's
 * `Trainer` from nanoGPT's own initial weights on nanoGPT's own batches (made by nanogpt-replay.py), and prints both
 * eval curves side by side. Same init and batches → the same losses up to float rounding.
 *
 *   git clone https://github.com/karpathy/nanoGPT /tmp/nanogpt     # model.py is all that is used
 *   /usr/bin/python3 packages/trainer/bench/nanogpt-replay.py /tmp/nanogpt runs/nanogpt-replay
 *   node packages/trainer/bench/nanogpt-replay.mjs runs/nanogpt-replay DATA_DIR [--backend wasm]
 *
 * DATA_DIR is `selfsup prepare --data tinyshakespeare.txt --tokenizer char` output (nanoGPT's shakespeare_char ids).
 * Needs the packages built (pnpm build).
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { selectBackend } from '@selfsup/backends';
import { createModel } from '@selfsup/model';
import * as tf from '@tensorflow/tfjs-core';
import { resolveOptions, Trainer } from '../dist/index.js';

const [replayDir, dataDir] = process.argv.slice(2);
const backendAt = process.argv.indexOf('--backend');
if (!replayDir || !dataDir) throw new Error('usage: nanogpt-replay.mjs REPLAY_DIR DATA_DIR [--backend NAME]');
/** nanoGPT's log for seed 1337 on this machine (anchors.md), val loss. */
const NANOGPT = {
  0: 4.1649,
  250: 2.4447,
  500: 2.3141,
  750: 2.1905,
  1000: 2.0528,
  1250: 2.0089,
  1500: 1.9225,
  1750: 1.8921,
  2000: 1.8857,
};

const replay = JSON.parse(readFileSync(join(replayDir, 'replay.json'), 'utf8'));
const tokens = (split) => {
  const b = readFileSync(join(dataDir, `${split}.bin`));
  return new Uint16Array(b.buffer, b.byteOffset + 1024, (b.length - 1024) / 2);
};
const data = { train: tokens('train'), val: tokens('val') };

/** A stream that hands out the given batches (lists of 12 offsets) in order. */
function replayStream(split, list) {
  let i = 0;
  return {
    next() {
      const ix = list[i++];
      const inputs = new Int32Array(12 * 64);
      const labels = new Int32Array(12 * 64);
      ix.forEach((o, b) => {
        for (let t = 0; t < 64; t++) {
          inputs[b * 64 + t] = data[split][o + t];
          labels[b * 64 + t] = data[split][o + t + 1];
        }
      });
      return { inputs, labels, batchSize: 12, blockSize: 64 };
    },
    getState: () => i,
    setState: (s) => {
      i = s;
    },
  };
}

await selectBackend(backendAt >= 0 ? process.argv[backendAt + 1] : 'auto');
const { options } = resolveOptions({ preset: 'nanogpt-cpu' });
// The Trainer opens the training stream once, then one stream per split at each evaluation, in order.
const evalSteps = Object.keys(replay.evals)
  .map(Number)
  .sort((a, b) => a - b);
let trainOpened = false;
const opened = { train: 0, val: 0 };
const trainData = {
  tokens: { train: data.train.length, val: data.val.length },
  stream(split) {
    if (split === 'train' && !trainOpened) {
      trainOpened = true;
      return replayStream('train', replay.train);
    }
    return replayStream(split, replay.evals[evalSteps[opened[split]++]][split]);
  },
};
const model = createModel({
  objective: 'clm',
  vocabSize: 65,
  blockSize: 64,
  nLayer: 4,
  nHead: 4,
  nEmbd: 128,
  bias: false,
});
for (const [name, v] of model.params) {
  const b = readFileSync(join(replayDir, 'weights', `${name}.bin`));
  tf.tidy(() => v.assign(tf.tensor(new Float32Array(b.buffer, b.byteOffset, b.length / 4), v.shape)));
}
const trainer = new Trainer({ model, data: trainData, options });
const log = join(replayDir, 'selfsup.log');
const report = () => {
  const e = trainer.evaluate();
  const line = `step ${e.step}: train loss ${e.trainLoss.toFixed(4)}, val loss ${e.valLoss.toFixed(4)} | nanoGPT val ${NANOGPT[e.step]?.toFixed(4) ?? '-'} (diff ${(e.valLoss - NANOGPT[e.step]).toFixed(4)})`;
  process.stdout.write(`${line}\n`);
  appendFileSync(log, `${line}\n`);
};
report();
while (trainer.step < options.maxIters) {
  const s = trainer.trainStep();
  if (s.step % options.evalInterval === 0) report();
}
