/**
 * Parity with PyTorch: the fixtures (reference/make_fixtures.py) hold a tiny GPT-2, a GPT-2 without biases and a tiny
 * BERT with random weights, their inputs, logits, loss and the gradient of every parameter. Loading the fixture folder
 * here must reproduce all of them to 1e-4, on cpu and on wasm.
 */
import { Rng } from '@selfsup/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel } from './create-model.js';
import { fusedKernelsAvailable, setUseFusedKernels } from './ops/fused.js';
import { FIXTURES_DIR, lossAndGrads, maxAbsDiff, readExpected, useBackend } from './testing/fixtures.js';
import type { LanguageModel, ModelConfig } from './types.js';
import { loadModel } from './weights.js';

const TOLERANCE = 1e-4;

const initial = new Map<string, number[]>();

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`parity with PyTorch on ${backend}`, () => {
    beforeAll(async () => {
      expect(await useBackend(backend)).toBe(true);
    });

    it('reports which fused kernels the backend has', () => {
      const available = fusedKernelsAvailable();
      expect(Object.keys(available).sort()).toEqual([
        'attention',
        'gelu',
        'geluErf',
        'layerNorm',
        'sparseCrossEntropy',
      ]);
      console.info(`${backend}: fused kernels ${JSON.stringify(available)}`);
    });

    for (const fixture of ['gpt2', 'gpt2-nobias', 'bert']) {
      it.each([true, false])(
        `${fixture}: logits, loss and every gradient (fused kernels allowed: %s)`,
        async (fused) => {
          setUseFusedKernels(fused);
          const model = await loadModel(`${FIXTURES_DIR}${fixture}`);
          const e = readExpected(fixture);
          const options = { attentionMask: e.attentionMask, tokenTypeIds: e.tokenTypeIds };
          const logits = model.logits(e.inputs, options);
          expect(logits.shape).toEqual([...e.inputs.shape, model.config.vocabSize]);
          expect(maxAbsDiff(logits.dataSync(), e.logits)).toBeLessThan(TOLERANCE);
          logits.dispose();
          const { loss, grads } = lossAndGrads(model, e.inputs, e.labels, options);
          expect(Math.abs(loss - e.loss)).toBeLessThan(TOLERANCE);
          expect([...grads.keys()].sort()).toEqual([...e.grads.keys()].sort());
          for (const [name, g] of grads) {
            expect(maxAbsDiff(g, e.grads.get(name)!), name).toBeLessThan(TOLERANCE);
          }
          e.dispose();
          model.dispose();
          setUseFusedKernels(true);
        },
      );
    }

    it('initialises the same weights as every other backend for a seed', () => {
      for (const objective of ['clm', 'mlm'] as const) {
        const model = createModel({ ...TINY, objective }, { seed: 21 });
        const values = [...model.params.values()].flatMap((v) => Array.from(v.dataSync()));
        const first = initial.get(objective);
        if (first) expect(maxAbsDiff(values, first)).toBe(0);
        else initial.set(objective, values);
        model.dispose();
      }
    });

    it('trains both objectives: Adam steps lower the loss, tensors do not grow', () => {
      for (const objective of ['clm', 'mlm'] as const) {
        const model = createModel({ ...TINY, objective, dropout: 0.1 }, { seed: 5 });
        const [first, last, grew] = adamSteps(model, 8);
        expect(last).toBeLessThan(first);
        expect(grew).toBe(0);
        model.dispose();
      }
    });
  });
}

const TINY: ModelConfig = { objective: 'clm', vocabSize: 19, blockSize: 12, nLayer: 2, nHead: 2, nEmbd: 16 };

/** Adam steps on one fixed batch; returns the first loss, the last, and how many tensors the last steps added. */
function adamSteps(model: LanguageModel, steps: number): [number, number, number] {
  const rng = new Rng(8);
  const ids = Array.from({ length: 2 }, () => Array.from({ length: 10 }, () => 1 + rng.int(18)));
  const inputs = tf.tensor2d(ids, undefined, 'int32');
  const labels = tf.tensor2d(
    ids.map((row, i) =>
      row.map((x, t) => (model.config.objective === 'clm' ? (row[t + 1] ?? -100) : (t + i) % 3 ? -100 : x)),
    ),
    undefined,
    'int32',
  );
  const optimizer = tf.train.adam(1e-2);
  const vars = [...model.params.values()];
  const losses: number[] = [];
  let count = 0;
  for (let i = 0; i < steps; i++) {
    if (i === 2) count = tf.memory().numTensors;
    const loss = optimizer.minimize(() => model.loss(inputs, labels, { training: true, dropoutSeed: i }), true, vars)!;
    losses.push(loss.dataSync()[0]);
    loss.dispose();
  }
  const grew = tf.memory().numTensors - count;
  optimizer.dispose();
  tf.dispose([inputs, labels]);
  return [losses[0], losses[steps - 1], grew];
}
