/**
 * Every fused kernel against a reference built from plain tfjs ops (on tfjs-backend-cpu, with tfjs's own gradients),
 * on random inputs: values and gradients within 1e-5 (relative to the reference's scale), on every backend that
 * registers the kernel.
 */
import { FusedKernel, Rng } from '@selfsup/core';
import * as tf from '@tensorflow/tfjs-core';
// After tfjs-core itself: the gradients module is ESM-only, and the first tfjs-core copy loaded owns the engine.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeWebgpu } from '../adapters/webgpu.js';
import { selectBackend } from '../select.js';

const TOL = 1e-5;

function randn(rng: Rng, shape: number[], scale = 1): { shape: number[]; data: Float32Array } {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.normal() * scale;
  return { shape, data };
}

/** max |a − b| / max(1, max |b|) */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let err = 0;
  let scale = 1;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < a.length; i++) err = Math.max(err, Math.abs(a[i] - b[i]));
  return err / scale;
}

/** Runs `f` on a backend and returns the data of its outputs (read asynchronously: WebGPU cannot read synchronously). */
async function on(backend: string, f: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const outs = tf.tidy(() => {
    const out = f();
    return Array.isArray(out) ? out : [out];
  });
  const data = await Promise.all(outs.map(async (t) => Float32Array.from(await t.data())));
  tf.dispose(outs);
  return data;
}

function run(name: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap = {}): tf.Tensor[] {
  const out = tf.engine().runKernel(name, inputs, attrs);
  return Array.isArray(out) ? (out as tf.Tensor[]) : [out as tf.Tensor];
}

// References (plain ops).
function refCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, ignore: number): tf.Tensor {
  const [, v] = logits.shape;
  const keep = tf.notEqual(labels, ignore);
  const safe = tf.where(keep, labels, tf.zerosLike(labels));
  const lse = tf.logSumExp(logits, 1);
  const picked = tf.sum(tf.mul(logits, tf.oneHot(safe, v)), 1);
  return tf.mul(tf.sub(lse, picked), tf.cast(keep, 'float32'));
}

function refLayerNorm(x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D, eps: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), g), b);
}

function refGelu(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
  return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
}

function refGeluErf(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(0.5, x), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
}

function refAttention(
  qkv: tf.Tensor3D,
  nHead: number,
  causal: boolean,
  scale: number,
  mask?: tf.Tensor2D,
  drop?: tf.Tensor,
): tf.Tensor {
  const [b, t, c3] = qkv.shape;
  const c = c3 / 3;
  const d = c / nHead;
  const heads = (x: tf.Tensor) => tf.transpose(tf.reshape(x, [b, t, nHead, d]), [0, 2, 1, 3]);
  const [q, k, v] = tf.split(qkv, 3, 2).map(heads);
  let att = tf.mul(tf.matMul(q, k, false, true), scale);
  if (causal) {
    const bias = tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([t, t]), -1, 0)), -1e9);
    att = tf.add(att, bias);
  }
  let keep: tf.Tensor | undefined;
  if (mask) {
    keep = tf.reshape(tf.cast(mask, 'float32'), [b, 1, 1, t]);
    att = tf.add(att, tf.mul(tf.sub(1, keep), -1e9));
  }
  let p = tf.softmax(att);
  if (keep) p = tf.mul(p, keep);
  if (drop) p = tf.mul(p, drop);
  const y = tf.matMul(p, v);
  return tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [b, t, c]);
}

// WebGPU runs where an adapter is found (a GPU, or SwiftShader: see vitest.config.ts); elsewhere it is skipped, saying why.
const webgpu = await probeWebgpu();
if (!webgpu.available) console.log(`fused kernels on webgpu skipped: ${webgpu.reason}`);

for (const backend of ['cpu', 'wasm', 'webgpu'] as const) {
  // Attention has no WebGPU kernel (the model's composite ops run there); the rest must exist on every backend.
  const has = (kernel: string) => tf.getKernel(kernel, backend) !== undefined;
  describe.skipIf(backend === 'webgpu' && !webgpu.available)(`fused kernels on ${backend}`, () => {
    beforeAll(async () => {
      await selectBackend(backend, { threads: 2 });
      expect(has(FusedKernel.LayerNorm)).toBe(true);
    });
    afterAll(async () => {
      await tf.setBackend(backend);
    });

    // Vocabularies: under 4 (no SIMD lanes), 65 (a tail of 1), 8003 (32 runs of SIMD Σ exp and a tail of 3).
    for (const [v, spread] of [
      [3, 3],
      [65, 3],
      [8003, 12],
    ] as const)
      it(`SparseCrossEntropy and its gradient, vocabulary ${v}`, async () => {
        const rng = new Rng(1);
        const n = 37;
        const logits = randn(rng, [n, v], spread);
        const labels = Int32Array.from({ length: n }, (_, i) => (i % 7 === 3 ? -100 : rng.int(v)));
        const dy = randn(rng, [n]);
        const make = () =>
          [tf.tensor2d(logits.data, [n, v]), tf.tensor1d(labels, 'int32'), tf.tensor1d(dy.data)] as const;
        const want = await on('cpu', () => {
          const [x, y, g] = make();
          const loss = refCrossEntropy(x, y, -100);
          const grad = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(refCrossEntropy(z as tf.Tensor2D, y, -100), g)))(x);
          return [loss, grad];
        });
        const got = await on(backend, () => {
          const [x, y, g] = make();
          const [loss, lse] = run(FusedKernel.SparseCrossEntropy, { logits: x, labels: y }, { ignoreIndex: -100 });
          const [grad] = run(
            FusedKernel.SparseCrossEntropyGrad,
            { logits: x, labels: y, logSumExp: lse, dy: g },
            { ignoreIndex: -100 },
          );
          return [loss, grad];
        });
        expect(relErr(got[0], want[0])).toBeLessThan(TOL);
        expect(relErr(got[1], want[1])).toBeLessThan(TOL);
      });

    // 48 columns: SIMD rows on wasm; 30: the JavaScript loop; 128 around 100: the variance in two passes.
    for (const [n, c, offset] of [
      [29, 48, 0],
      [13, 30, 0],
      [9, 128, 100],
    ] as const)
      it(`LayerNorm and its gradient, ${n} × ${c}${offset ? ` around ${offset}` : ''}`, async () => {
        const rng = new Rng(2);
        const x = randn(rng, [n, c], 2);
        for (let i = 0; i < x.data.length; i++) x.data[i] += offset;
        const g = randn(rng, [c]);
        const b = randn(rng, [c]);
        const dy = randn(rng, [n, c]);
        const make = () =>
          [
            tf.tensor2d(x.data, [n, c]),
            tf.tensor1d(g.data),
            tf.tensor1d(b.data),
            tf.tensor2d(dy.data, [n, c]),
          ] as const;
        const want = await on('cpu', () => {
          const [xx, gg, bb, d] = make();
          const y = refLayerNorm(xx, gg, bb, 1e-5);
          const grads = tf.grads((a: tf.Tensor, e: tf.Tensor, f: tf.Tensor) =>
            tf.sum(tf.mul(refLayerNorm(a as tf.Tensor2D, e as tf.Tensor1D, f as tf.Tensor1D, 1e-5), d)),
          )([xx, gg, bb]);
          return [y, ...grads];
        });
        const got = await on(backend, () => {
          const [xx, gg, bb, d] = make();
          const [y, mean, rstd] = run(FusedKernel.LayerNorm, { x: xx, gamma: gg, beta: bb }, { epsilon: 1e-5 });
          return [y, ...run(FusedKernel.LayerNormGrad, { dy: d, x: xx, gamma: gg, mean, rstd })];
        });
        for (let i = 0; i < 4; i++) expect(relErr(got[i], want[i])).toBeLessThan(TOL);
      });

    it('Gelu and its gradient', async () => {
      const rng = new Rng(3);
      const x = randn(rng, [7, 33], 3);
      const dy = randn(rng, [7, 33]);
      const make = () => [tf.tensor2d(x.data, [7, 33]), tf.tensor2d(dy.data, [7, 33])] as const;
      const want = await on('cpu', () => {
        const [xx, d] = make();
        return [refGelu(xx), tf.grad((a: tf.Tensor) => tf.sum(tf.mul(refGelu(a), d)))(xx)];
      });
      const got = await on(backend, () => {
        const [xx, d] = make();
        return [run(FusedKernel.Gelu, { x: xx })[0], run(FusedKernel.GeluGrad, { dy: d, x: xx })[0]];
      });
      expect(relErr(got[0], want[0])).toBeLessThan(TOL);
      expect(relErr(got[1], want[1])).toBeLessThan(TOL);
    });

    if (backend !== 'webgpu') {
      it('GeluErf (exact GELU) and its gradient, with tails far out', async () => {
        const rng = new Rng(5);
        const x = randn(rng, [7, 33], 3);
        x.data.set([-40, -9, -5.5, 0, 5.5, 9, 40, 1e-8], 0);
        const dy = randn(rng, [7, 33]);
        const make = () => [tf.tensor2d(x.data, [7, 33]), tf.tensor2d(dy.data, [7, 33])] as const;
        const want = await on('cpu', () => {
          const [xx, d] = make();
          return [refGeluErf(xx), tf.grad((a: tf.Tensor) => tf.sum(tf.mul(refGeluErf(a), d)))(xx)];
        });
        const got = await on(backend, () => {
          const [xx, d] = make();
          return [run(FusedKernel.GeluErf, { x: xx })[0], run(FusedKernel.GeluErfGrad, { dy: d, x: xx })[0]];
        });
        expect(relErr(got[0], want[0])).toBeLessThan(TOL);
        expect(relErr(got[1], want[1])).toBeLessThan(TOL);
        for (const g of got) expect(g.every(Number.isFinite)).toBe(true);
        expect(Math.abs(got[0][0])).toBeLessThan(1e-30); // gelu(−40) = −40·Φ(−40)
        expect(got[0][6]).toBe(40);
        expect(Math.abs(got[1][0])).toBeLessThan(1e-30);
        expect(got[1][6]).toBe(dy.data[6]);
      });
    }

    if (backend === 'wasm') {
      it('SparseCrossEntropy in SIMD (its own exp) matches the JavaScript kernel on cpu element by element', async () => {
        const rng = new Rng(9);
        const [n, v] = [23, 8003];
        const logits = randn(rng, [n, v], 12);
        const labels = Int32Array.from({ length: n }, (_, i) => (i === 5 ? -100 : rng.int(v)));
        const dy = randn(rng, [n]);
        const kernels = () => {
          const [x, y, g] = [tf.tensor2d(logits.data, [n, v]), tf.tensor1d(labels, 'int32'), tf.tensor1d(dy.data)];
          const [loss, lse] = run(FusedKernel.SparseCrossEntropy, { logits: x, labels: y }, { ignoreIndex: -100 });
          const [grad] = run(
            FusedKernel.SparseCrossEntropyGrad,
            { logits: x, labels: y, logSumExp: lse, dy: g },
            { ignoreIndex: -100 },
          );
          return [loss, lse, grad];
        };
        const want = await on('cpu', kernels);
        const got = await on('wasm', kernels);
        for (let r = 0; r < n; r++) {
          expect(Math.abs(got[0][r] - want[0][r])).toBeLessThan(2e-5);
          expect(Math.abs(got[1][r] - want[1][r])).toBeLessThan(2e-5);
        }
        let worst = 0;
        for (let i = 0; i < n * v; i++) {
          const w = want[2][i];
          if (Math.abs(w) > 1e-30) worst = Math.max(worst, Math.abs(got[2][i] - w) / Math.abs(w));
          else expect(Math.abs(got[2][i])).toBeLessThan(1e-30);
        }
        expect(worst).toBeLessThan(1e-4);
      });

      it('SparseCrossEntropy in SIMD: a NaN logit makes its row NaN (so a diverged step is caught), not others', async () => {
        const [n, v] = [3, 64];
        const logits = Float32Array.from({ length: n * v }, (_, i) => Math.sin(i));
        logits[v + 10] = Number.NaN; // row 1, in the SIMD part
        const [loss, lse] = await on('wasm', () =>
          run(
            FusedKernel.SparseCrossEntropy,
            { logits: tf.tensor2d(logits, [n, v]), labels: tf.tensor1d([1, 2, 3], 'int32') },
            { ignoreIndex: -100 },
          ),
        );
        expect(Number.isNaN(loss[1]) && Number.isNaN(lse[1])).toBe(true);
        expect(Number.isFinite(loss[0]) && Number.isFinite(loss[2])).toBe(true);
      });

      it('GeluErf in SIMD (its own exp) matches the JavaScript kernel on cpu over [−12, 12]', async () => {
        const n = 24_001;
        const x = Float32Array.from({ length: n }, (_, i) => -12 + i / 1000);
        const dy = Float32Array.from({ length: n }, (_, i) => 1 + (i % 7) / 7);
        const make = () => [tf.tensor1d(x), tf.tensor1d(dy)] as const;
        const kernels = () => {
          const [xx, d] = make();
          return [run(FusedKernel.GeluErf, { x: xx })[0], run(FusedKernel.GeluErfGrad, { dy: d, x: xx })[0]];
        };
        const want = await on('cpu', kernels);
        const got = await on('wasm', kernels);
        for (let k = 0; k < 2; k++) {
          let err = 0;
          for (let i = 0; i < n; i++)
            err = Math.max(err, Math.abs(got[k][i] - want[k][i]) / Math.max(1, Math.abs(x[i])));
          expect(err).toBeLessThan(5e-7);
        }
      });
    }

    if (backend === 'webgpu') {
      it('Attention is left to the composite ops (tfjs batched matmuls and softmax on the GPU)', () => {
        // By design: the model falls back to its composite attention where no kernel is registered, and the
        // full-model WebGPU parity test (apps/cli/test/backends-webgpu.test.ts) checks that path against cpu.
        expect(has(FusedKernel.Attention)).toBe(false);
        expect(has(FusedKernel.AttentionGrad)).toBe(false);
      });
    }

    for (const [label, causal, masked, dropping] of backend === 'webgpu'
      ? []
      : ([
          ['causal', true, false, false],
          ['bidirectional with padding', false, true, false],
          ['causal, with dropout', true, false, true],
          ['bidirectional with padding and dropout', false, true, true],
        ] as const)) {
      it(`Attention (${label}) and its gradient`, async () => {
        const rng = new Rng(4);
        const [b, t, c, h] = [3, 11, 24, 3];
        const qkv = randn(rng, [b, t, 3 * c]);
        const dy = randn(rng, [b, t, c]);
        // Batch 1 pads its last 4 positions; batch 2 is all padding (its rows must come out as zeros).
        const mask = Int32Array.from({ length: b * t }, (_, i) => (i >= 2 * t ? 0 : i >= t && i % t >= t - 4 ? 0 : 1));
        const scale = 1 / Math.sqrt(c / h);
        const attrs = { nHead: h, causal, scale };
        // Dropout multipliers: 0 for about a third of the probabilities, 1.5 for the rest.
        const dropValues = Float32Array.from({ length: b * h * t * t }, () => (rng.next() < 1 / 3 ? 0 : 1.5));
        const make = () =>
          [
            tf.tensor3d(qkv.data, [b, t, 3 * c]),
            tf.tensor3d(dy.data, [b, t, c]),
            tf.tensor2d(mask, [b, t], 'int32'),
            tf.tensor4d(dropValues, [b, h, t, t]),
          ] as const;
        const want = await on('cpu', () => {
          const [x, d, m, dm] = make();
          const f = (z: tf.Tensor) =>
            refAttention(z as tf.Tensor3D, h, causal, scale, masked ? m : undefined, dropping ? dm : undefined);
          return [f(x), tf.grad((z: tf.Tensor) => tf.sum(tf.mul(f(z), d)))(x)];
        });
        const got = await on(backend, () => {
          const [x, d, m, dm] = make();
          const inputs: tf.NamedTensorMap = { qkv: x };
          if (masked) inputs.attentionMask = m;
          if (dropping) inputs.dropMask = dm;
          const [y, probs] = run(FusedKernel.Attention, inputs, attrs);
          const gradInputs: tf.NamedTensorMap = dropping
            ? { dy: d, qkv: x, probs, dropMask: dm }
            : { dy: d, qkv: x, probs };
          return [y, run(FusedKernel.AttentionGrad, gradInputs, attrs)[0]];
        });
        expect(relErr(got[0], want[0])).toBeLessThan(TOL);
        expect(relErr(got[1], want[1])).toBeLessThan(TOL);
      });
    }

    it('AdamW', async () => {
      const rng = new Rng(5);
      const shape = [13, 9];
      const [p, g, m] = [randn(rng, shape), randn(rng, shape), randn(rng, shape, 0.1)];
      const v = { shape, data: randn(rng, shape, 0.1).data.map((z) => z * z) };
      const attrs = { lr: 1e-3, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1, step: 3 };
      const make = () => [p, g, m, v].map((a) => tf.tensor2d(a.data, shape as [number, number]));
      const want = await on('cpu', () => {
        const [pp, gg, mm, vv] = make();
        const { lr, beta1, beta2, eps, weightDecay, step } = attrs;
        const m2 = tf.add(tf.mul(mm, beta1), tf.mul(gg, 1 - beta1));
        const v2 = tf.add(tf.mul(vv, beta2), tf.mul(tf.square(gg), 1 - beta2));
        const upd = tf.div(tf.div(m2, 1 - beta1 ** step), tf.add(tf.sqrt(tf.div(v2, 1 - beta2 ** step)), eps));
        return [tf.sub(pp, tf.mul(tf.add(upd, tf.mul(pp, weightDecay)), lr)), m2, v2];
      });
      const got = await on(backend, () => {
        const [pp, gg, mm, vv] = make();
        return run(FusedKernel.AdamW, { param: pp, grad: gg, m: mm, v: vv }, attrs);
      });
      for (let i = 0; i < 3; i++) expect(relErr(got[i], want[i])).toBeLessThan(TOL);
    });
  });
}
