/**
 * `pnpm bench`: forward+backward time of the nanogpt-cpu model (4 layers, 4 heads, 128 wide, block 64, vocab 65) at
 * batch 12 on wasm and cpu, and generation speed with and without the KV cache (500 new tokens). Runs the built
 * package (turbo builds it first) under /tmp/selfsup-bench.lock. Prints a table to stderr and JSON to stdout.
 *
 * With Debian's PyTorch at /usr/bin/python3, reference/bench_torch.py times the same step in PyTorch in the same run.
 *
 *   node bench/bench.mjs [--backends wasm,cpu] [--steps 10] [--tokens 500] [--gen-backends wasm] [--no-torch]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Rng } from '@selfsup/core';
import * as tf from '@tensorflow/tfjs-core';
import { createModel, fusedKernelsAvailable, generate } from '../dist/index.js';

const { values: args } = parseArgs({
  options: {
    backends: { type: 'string', default: 'wasm,cpu' },
    'gen-backends': { type: 'string', default: 'wasm' },
    steps: { type: 'string', default: '10' },
    'cpu-steps': { type: 'string', default: '3' },
    tokens: { type: 'string', default: '500' },
    'no-torch': { type: 'boolean', default: false },
    threads: { type: 'string' },
  },
});

const NANOGPT_CPU = { objective: 'clm', vocabSize: 65, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128 };
const BATCH = 12;

async function use(name) {
  const backends = await import('@selfsup/backends').catch(() => ({}));
  if (typeof backends.selectBackend === 'function') {
    const choice = await backends.selectBackend(name);
    return choice.reason ?? name;
  }
  // Fallback while @selfsup/backends is not built: plain tfjs backends (wasm then lacks the gather gradient).
  await import(`@tensorflow/tfjs-backend-${name}`);
  await tf.setBackend(name);
  await tf.ready();
  return `${name} (plain tfjs, @selfsup/backends not available)`;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function batch(seed) {
  const rng = new Rng(seed);
  const ids = Int32Array.from({ length: BATCH * (NANOGPT_CPU.blockSize + 1) }, () => rng.int(65));
  const inputs = new Int32Array(BATCH * 64);
  const labels = new Int32Array(BATCH * 64);
  for (let b = 0; b < BATCH; b++) {
    inputs.set(ids.subarray(b * 65, b * 65 + 64), b * 64);
    labels.set(ids.subarray(b * 65 + 1, b * 65 + 65), b * 64);
  }
  return [tf.tensor2d(inputs, [BATCH, 64], 'int32'), tf.tensor2d(labels, [BATCH, 64], 'int32')];
}

function timeSteps(model, steps) {
  const [inputs, labels] = batch(1);
  const vars = [...model.params.values()];
  const fwdBwd = [];
  const fwd = [];
  for (let i = 0; i < steps + 2; i++) {
    let t0 = performance.now();
    const { value, grads } = tf.variableGrads(() => model.loss(inputs, labels, { training: true }), vars);
    value.dataSync();
    for (const g of Object.values(grads)) g.dataSync();
    const ms = performance.now() - t0;
    tf.dispose([value, grads]);
    t0 = performance.now();
    const loss = model.loss(inputs, labels);
    loss.dataSync();
    const fms = performance.now() - t0;
    loss.dispose();
    if (i >= 2) {
      fwdBwd.push(ms);
      fwd.push(fms);
    }
  }
  tf.dispose([inputs, labels]);
  return { fwdBwdMs: median(fwdBwd), fwdMs: median(fwd) };
}

async function timeGeneration(model, tokens, useCache) {
  // Warm-up over the same lengths: wasm kernels set up per new shape, and decoding meets a new one every token.
  await generate(model, [0], { maxNewTokens: tokens, seed: 2, useCache });
  const t0 = performance.now();
  const { newTokens } = await generate(model, [0], { maxNewTokens: tokens, seed: 1, useCache });
  return newTokens.length / ((performance.now() - t0) / 1000);
}

const log = (line) => process.stderr.write(`${line}\n`);
const results = { model: 'nanogpt-cpu (4/4/128, block 64, vocab 65)', batch: BATCH, training: [], generation: [] };
const steps = Number(args.steps);
const threads = args.threads === undefined ? {} : { threads: Number(args.threads) };
const tokens = Number(args.tokens);

for (const backend of args.backends.split(',').filter(Boolean)) {
  const reason = await use(backend, threads);
  const model = createModel(NANOGPT_CPU, { seed: 1337 });
  const n = backend === 'cpu' ? Number(args['cpu-steps']) : steps;
  const { fwdBwdMs, fwdMs } = timeSteps(model, n);
  const tokensPerSec = (BATCH * 64) / (fwdBwdMs / 1000);
  const gflops = (model.flopsPerToken(64) * BATCH * 64) / (fwdBwdMs / 1000) / 1e9;
  const row = { backend, reason, fused: fusedKernelsAvailable(), steps: n, fwdBwdMs, fwdMs, tokensPerSec, gflops };
  results.training.push(row);
  log(
    `${backend}: fwd+bwd ${fwdBwdMs.toFixed(1)} ms, fwd ${fwdMs.toFixed(1)} ms, ${tokensPerSec.toFixed(0)} tok/s, ${gflops.toFixed(2)} GFLOP/s [${reason}]`,
  );
  model.dispose();
}

const genRuns = args['gen-backends']
  .split(',')
  .filter(Boolean)
  .map((b) => [b, threads]);
for (const [backend, options] of genRuns) {
  const reason = await use(backend, options);
  for (const blockSize of [64, 512]) {
    const model = createModel({ ...NANOGPT_CPU, blockSize }, { seed: 1337 });
    const cached = await timeGeneration(model, tokens, true);
    const plain = await timeGeneration(model, tokens, false);
    const speedup = cached / plain;
    results.generation.push({
      backend,
      reason,
      blockSize,
      tokens,
      cachedTokensPerSec: cached,
      uncachedTokensPerSec: plain,
      speedup,
    });
    log(
      `${backend} block ${blockSize}: ${tokens} tokens, cache ${cached.toFixed(1)} tok/s, no cache ${plain.toFixed(1)} tok/s, ×${speedup.toFixed(1)} [${reason}]`,
    );
    model.dispose();
  }
}

if (!args['no-torch'] && existsSync('/usr/bin/python3')) {
  const script = fileURLToPath(new URL('../reference/bench_torch.py', import.meta.url));
  const run = spawnSync('/usr/bin/python3', [script, '--steps', String(steps)], { encoding: 'utf8' });
  if (run.status === 0) {
    results.pytorch = JSON.parse(run.stdout);
    const { fwdBwdMs, msPerStep, version } = results.pytorch;
    log(
      `pytorch ${version} (2 threads): fwd+bwd ${fwdBwdMs.toFixed(1)} ms, step with AdamW ${msPerStep.toFixed(1)} ms`,
    );
  } else {
    log(`pytorch reference skipped: ${(run.stderr || run.error?.message || '').trim().split('\n').pop()}`);
  }
}

process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
