import { FusedKernel, Rng } from '@selfsup/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES_DIR, lossAndGrads, maxAbsDiff, readExpected, useBackend } from '../testing/fixtures.js';
import { kernelCalls, registerReferenceKernels } from '../testing/reference-kernels.js';
import { loadModel } from '../weights.js';
import { attention } from './attention.js';
import { sparseCrossEntropy } from './cross-entropy.js';
import { embedding } from './embedding.js';
import { fusedKernelsAvailable, setUseFusedKernels } from './fused.js';
import { geluErf, geluTanh } from './gelu.js';
import { layerNorm } from './layer-norm.js';

function random(shape: number[], seed: number, scale = 1): tf.Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => rng.normal() * scale),
    shape,
  );
}

const values = (t: tf.Tensor) => Array.from(t.dataSync());

describe('ops by hand (composite path)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
    setUseFusedKernels(false);
  });
  afterAll(() => setUseFusedKernels(true));

  it('sparse cross-entropy reads one log-probability per row and ignores -100', () => {
    const loss = sparseCrossEntropy(
      tf.tensor2d([
        [1, 2, 3],
        [0, 0, 0],
        [5, 1, 1],
      ]),
      tf.tensor1d([2, -100, 0], 'int32'),
    );
    const expected = [Math.log(Math.E + Math.E ** 2 + Math.E ** 3) - 3, 0, Math.log(Math.E ** 5 + 2 * Math.E) - 5];
    expect(maxAbsDiff(loss.dataSync(), expected)).toBeLessThan(1e-6);
  });

  it('layer norm uses the biased variance', () => {
    const y = layerNorm(tf.tensor2d([[1, 2, 3, 4]]), tf.tensor1d([1, 1, 2, 1]), tf.tensor1d([0, 0, 0, 1]), 0);
    const s = Math.sqrt(1.25);
    expect(maxAbsDiff(y.dataSync(), [-1.5 / s, -0.5 / s, 1 / s, 1.5 / s + 1])).toBeLessThan(1e-6);
  });

  it('GELU: tanh form and erf form', () => {
    // 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))) and x·Φ(x)
    expect(
      maxAbsDiff(geluTanh(tf.tensor1d([-1, 0, 1, 3])).dataSync(), [-0.158808, 0, 0.841192, 2.996363]),
    ).toBeLessThan(1e-5);
    expect(maxAbsDiff(geluErf(tf.tensor1d([-1, 0, 1, 3])).dataSync(), [-0.158655, 0, 0.841345, 2.99595])).toBeLessThan(
      1e-5,
    );
  });

  it('causal attention: the first position sees only itself; padding keys are skipped', () => {
    // B=1, T=2, C=2, one head: q | k | v per position
    const qkv = tf.tensor3d([
      [
        [1, 0, 1, 0, 10, 20],
        [0, 1, 0, 1, 30, 40],
      ],
    ]);
    const y = attention(qkv, { nHead: 1, causal: true });
    const w = Math.exp(1 / Math.SQRT2); // second query: scores 0 and 1/√2 against keys 0 and 1
    const p1 = w / (1 + w);
    expect(maxAbsDiff(y.dataSync(), [10, 20, 10 * (1 - p1) + 30 * p1, 20 * (1 - p1) + 40 * p1])).toBeLessThan(1e-4);
    const masked = attention(qkv, { nHead: 1, causal: false, attentionMask: tf.tensor2d([[1, 0]], [1, 2], 'int32') });
    expect(maxAbsDiff(masked.dataSync(), [10, 20, 10, 20])).toBeLessThan(1e-4);
  });

  it('embedding with a padding index gives that row no gradient', () => {
    const w = tf.variable(
      tf.tensor2d([
        [1, 1],
        [2, 2],
        [3, 3],
      ]),
    );
    const ids = tf.tensor1d([0, 2, 0, 1], 'int32');
    const grads = tf.variableGrads(() => tf.sum(embedding(w, ids, 0)), [w]);
    expect(values(grads.grads[w.name])).toEqual([0, 0, 1, 1, 1, 1]);
    const plain = tf.variableGrads(() => tf.sum(embedding(w, ids)), [w]);
    expect(values(plain.grads[w.name])).toEqual([2, 2, 1, 1, 1, 1]);
  });
});

describe('fused kernels: same values and gradients as the composite path', () => {
  let unregister: () => void;
  beforeAll(async () => {
    await useBackend('cpu');
    unregister = registerReferenceKernels();
  });
  afterAll(() => {
    unregister();
    setUseFusedKernels(true);
  });

  /** Value and gradients of sum(f(inputs) · w) with fused kernels on, then off. */
  function bothPaths(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[]) {
    const run = (fused: boolean) => {
      setUseFusedKernels(fused);
      const y = f(...inputs);
      const w = random(y.shape, 99);
      const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), w)))(inputs);
      return { y: values(y), grads: grads.map(values) };
    };
    const fused = run(true);
    const composite = run(false);
    expect(maxAbsDiff(fused.y, composite.y)).toBeLessThan(1e-5);
    for (const [i, g] of fused.grads.entries()) expect(maxAbsDiff(g, composite.grads[i])).toBeLessThan(1e-5);
  }

  it('registers all five, and each op takes the fused path when allowed', () => {
    expect(fusedKernelsAvailable()).toEqual({
      sparseCrossEntropy: true,
      layerNorm: true,
      gelu: true,
      geluErf: true,
      attention: true,
    });
    kernelCalls.clear();
    setUseFusedKernels(true);
    geluTanh(tf.ones([2]));
    expect(kernelCalls.get(FusedKernel.Gelu)).toBe(1);
    setUseFusedKernels(false);
    geluTanh(tf.ones([2]));
    expect(kernelCalls.get(FusedKernel.Gelu)).toBe(1);
  });

  it('sparse cross-entropy', () => {
    const labels = tf.tensor1d([3, -100, 0, 6, 2], 'int32');
    bothPaths((x) => sparseCrossEntropy(x as tf.Tensor2D, labels), [random([5, 7], 1, 2)]);
  });

  it('layer norm, with and without bias', () => {
    bothPaths(
      (x, g, b) => layerNorm(x as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5),
      [random([6, 8], 2), random([8], 3), random([8], 4)],
    );
    bothPaths(
      (x, g) => layerNorm(x as tf.Tensor2D, g as tf.Tensor1D, undefined, 1e-5),
      [random([6, 8], 2), random([8], 3)],
    );
  });

  it('GELU', () => {
    bothPaths((x) => geluTanh(x), [random([3, 5, 4], 5, 2)]);
  });

  it('GELU, exact (erf) form: fused and composite agree, and match x·Φ(x) and Φ(x) + x·φ(x) by hand', () => {
    bothPaths((x) => geluErf(x), [random([3, 5, 4], 6, 3)]);
    setUseFusedKernels(true);
    kernelCalls.clear();
    const x = tf.tensor1d([-1, 0, 1, 3]);
    expect(maxAbsDiff(geluErf(x).dataSync(), [-0.158655, 0, 0.841345, 2.99595])).toBeLessThan(1e-5);
    const dx = tf.grad((a: tf.Tensor) => tf.sum(geluErf(a)))(x);
    expect(maxAbsDiff(dx.dataSync(), [-0.083316, 0.5, 1.083316, 1.011945])).toBeLessThan(1e-5);
    expect(kernelCalls.get(FusedKernel.GeluErf)).toBe(2);
    expect(kernelCalls.get(FusedKernel.GeluErfGrad)).toBe(1);
  });

  it('attention: causal, bidirectional, and with a padding mask', () => {
    const qkv = random([2, 5, 18], 6);
    bothPaths((x) => attention(x as tf.Tensor3D, { nHead: 2, causal: true }), [qkv]);
    bothPaths((x) => attention(x as tf.Tensor3D, { nHead: 3, causal: false }), [qkv]);
    const mask = tf.tensor2d(
      [
        [1, 1, 1, 0, 0],
        [1, 1, 1, 1, 1],
      ],
      [2, 5],
      'int32',
    );
    bothPaths((x) => attention(x as tf.Tensor3D, { nHead: 2, causal: false, attentionMask: mask }), [qkv]);
  });

  it('attention dropout: the fused kernel takes the same mask as the composite path, drawn from the same stream', () => {
    const qkv = random([2, 5, 18], 6);
    const mask = tf.tensor2d(
      [
        [1, 1, 1, 0, 0],
        [1, 1, 1, 1, 1],
      ],
      [2, 5],
      'int32',
    );
    // A fresh stream on every call, so both paths (and the gradient's recomputation) draw the same multipliers.
    for (const [causal, attentionMask] of [
      [true, undefined],
      [false, mask],
    ] as const) {
      bothPaths(
        (x) => attention(x as tf.Tensor3D, { nHead: 3, causal, attentionMask, dropoutRate: 0.3, rng: new Rng(11) }),
        [qkv],
      );
    }
    setUseFusedKernels(true);
    kernelCalls.clear();
    const dropped = attention(qkv as tf.Tensor3D, { nHead: 3, causal: true, dropoutRate: 0.3, rng: new Rng(11) });
    expect(kernelCalls.get(FusedKernel.Attention)).toBe(1);
    const plain = attention(qkv as tf.Tensor3D, { nHead: 3, causal: true });
    expect(maxAbsDiff(dropped.dataSync(), plain.dataSync())).toBeGreaterThan(1e-3); // the dropout did something
  });

  it('whole models: fused and composite both match the PyTorch fixtures', async () => {
    for (const fixture of ['gpt2', 'bert']) {
      const model = await loadModel(`${FIXTURES_DIR}${fixture}`);
      const e = readExpected(fixture);
      const options = { attentionMask: e.attentionMask, tokenTypeIds: e.tokenTypeIds };
      setUseFusedKernels(true);
      kernelCalls.clear();
      const fused = lossAndGrads(model, e.inputs, e.labels, options);
      for (const name of [FusedKernel.SparseCrossEntropy, FusedKernel.LayerNorm, FusedKernel.Attention]) {
        expect(kernelCalls.get(name), name).toBeGreaterThan(0);
      }
      setUseFusedKernels(false);
      const composite = lossAndGrads(model, e.inputs, e.labels, options);
      expect(Math.abs(fused.loss - e.loss)).toBeLessThan(1e-4);
      expect(Math.abs(fused.loss - composite.loss)).toBeLessThan(1e-5);
      for (const [name, g] of fused.grads) {
        expect(maxAbsDiff(g, composite.grads.get(name)!), name).toBeLessThan(1e-5);
        expect(maxAbsDiff(g, e.grads.get(name)!), name).toBeLessThan(1e-4);
      }
      e.dispose();
      model.dispose();
    }
  });
});
