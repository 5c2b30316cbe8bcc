/**
 * `pnpm bench` for @selfsup/backends (run from the built dist): matmul GFLOP/s on wasm with 1 and 2 threads (1024³,
 * and the nanogpt-cpu step's shapes with and without transposes), and the time of our fused kernels there.
 * Figures only; run under `flock /tmp/selfsup-bench.lock` on a shared machine and compare ratios from one run.
 */
import { createRequire } from 'node:module';
import { FusedKernel } from '@selfsup/core';
import { selectBackend } from '../dist/index.js';

const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs-core');
const json = process.argv.includes('--json');

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median ms of `f` (which returns a tensor) over `reps` runs after 2 warm-ups. */
function time(f, reps) {
  const ms = [];
  for (let i = 0; i < reps + 2; i++) {
    const t0 = performance.now();
    const out = f();
    (Array.isArray(out) ? out : [out]).forEach((t) => {
      t.dataSync();
      t.dispose();
    });
    if (i >= 2) ms.push(performance.now() - t0);
  }
  return median(ms);
}

const matmuls = [
  ['1024³', [1024, 1024], [1024, 1024], false, false, 10],
  ['x·W [768,128]·[128,512]', [768, 128], [128, 512], false, false, 30],
  ['dy·Wᵀ (transposeB)', [768, 512], [128, 512], false, true, 30],
  ['xᵀ·dy (transposeA)', [768, 128], [768, 512], true, false, 30],
  ['attention q·kᵀ [48,64,32]', [48, 64, 32], [48, 64, 32], false, true, 30],
];

const rows = [];
for (const threads of [1, 2]) {
  await selectBackend('wasm', { threads });
  for (const [name, as, bs, ta, tb, reps] of matmuls) {
    const a = tf.randomNormal(as);
    const b = tf.randomNormal(bs);
    const m = ta ? as.at(-1) : as.at(-2);
    const k = ta ? as.at(-2) : as.at(-1);
    const n = tb ? bs.at(-2) : bs.at(-1);
    const batch = as.length === 3 ? as[0] : 1;
    const ms = time(() => tf.matMul(a, b, ta, tb), reps);
    rows.push({ kernel: `matMul ${name}`, threads, ms, gflops: (2 * batch * m * n * k) / ms / 1e6 });
    tf.dispose([a, b]);
  }
  const qkv = tf.randomNormal([12, 64, 384]);
  const attrs = { nHead: 4, causal: true, scale: 1 / Math.sqrt(32) };
  const run = (name, inputs, at = {}) => tf.engine().runKernel(name, inputs, at);
  rows.push({
    kernel: 'SelfsupAttention [12,64,384]',
    threads,
    ms: time(() => run(FusedKernel.Attention, { qkv }, attrs), 20),
  });
  const [y, probs] = run(FusedKernel.Attention, { qkv }, attrs);
  rows.push({
    kernel: 'SelfsupAttentionGrad',
    threads,
    ms: time(() => run(FusedKernel.AttentionGrad, { dy: y, qkv, probs }, attrs), 20),
  });
  const h = tf.randomNormal([768, 512]);
  rows.push({ kernel: 'SelfsupGelu [768,512]', threads, ms: time(() => run(FusedKernel.Gelu, { x: h }), 30) });
  rows.push({ kernel: 'SelfsupGeluGrad', threads, ms: time(() => run(FusedKernel.GeluGrad, { dy: h, x: h }), 30) });
  tf.dispose([qkv, y, probs, h]);
}

if (json) console.log(JSON.stringify(rows, null, 2));
else {
  console.log('wasm kernels (median ms; GFLOP/s for matmuls)');
  for (const r of rows) {
    console.log(
      `  ${r.kernel.padEnd(34)} ${r.threads}T ${r.ms.toFixed(2).padStart(8)} ms${r.gflops ? `  ${r.gflops.toFixed(1).padStart(6)} GFLOP/s` : ''}`,
    );
  }
  const one = rows.find((r) => r.kernel === 'matMul 1024³' && r.threads === 1);
  const two = rows.find((r) => r.kernel === 'matMul 1024³' && r.threads === 2);
  console.log(`  1024³ matmul: 2 threads / 1 thread = ${(two.gflops / one.gflops).toFixed(2)}×`);
}
