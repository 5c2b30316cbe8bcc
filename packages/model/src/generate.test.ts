import { Rng, SelfsupError } from '@selfsup/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModel } from './create-model.js';
import { generate } from './generate.js';
import { sampleToken } from './sampler.js';
import { maxAbsDiff, useBackend } from './testing/fixtures.js';
import type { LanguageModel } from './types.js';

describe('sampleToken', () => {
  const logits = Float32Array.from([Math.log(0.5), Math.log(0.3), Math.log(0.15), Math.log(0.05)]);

  function frequencies(options: object, n = 20_000, seed = 1): number[] {
    const rng = new Rng(seed);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) counts[sampleToken(logits, options, rng)]++;
    return counts.map((c) => c / n);
  }

  it('draws in proportion to the probabilities, reproducibly for a seed', () => {
    const f = frequencies({});
    for (const [i, p] of [0.5, 0.3, 0.15, 0.05].entries()) expect(Math.abs(f[i] - p)).toBeLessThan(0.015);
    expect(frequencies({}, 200, 9)).toEqual(frequencies({}, 200, 9));
  });

  it('temperature 0 is greedy; low temperature sharpens, high flattens', () => {
    expect(frequencies({ temperature: 0 }, 50)).toEqual([1, 0, 0, 0]);
    expect(frequencies({ temperature: 0.25 })[0]).toBeGreaterThan(0.8);
    expect(frequencies({ temperature: 10 })[3]).toBeGreaterThan(0.2);
  });

  it('top-k keeps the k most likely, top-p the smallest set reaching p', () => {
    const k2 = frequencies({ topK: 2 });
    expect(k2[2] + k2[3]).toBe(0);
    expect(Math.abs(k2[0] - 0.5 / 0.8)).toBeLessThan(0.015);
    expect(frequencies({ topK: 1 })).toEqual([1, 0, 0, 0]);
    const p = frequencies({ topP: 0.8 }); // 0.5 + 0.3 reaches 0.8
    expect(p[2] + p[3]).toBe(0);
    const p2 = frequencies({ topP: 0.81 });
    expect(p2[2]).toBeGreaterThan(0);
    expect(p2[3]).toBe(0);
    expect(frequencies({ topP: 0.1 })).toEqual([1, 0, 0, 0]);
  });
});

describe('generate', () => {
  let model: LanguageModel;
  const block = 12;
  beforeAll(async () => {
    await useBackend('cpu');
    model = createModel(
      { objective: 'clm', vocabSize: 17, blockSize: block, nLayer: 2, nHead: 2, nEmbd: 16 },
      { seed: 2 },
    );
    // Sharper distributions than the 0.02 init gives, so different seeds give visibly different samples.
    const wte = model.params.get('transformer.wte.weight')!;
    wte.assign(tf.mul(wte, 8));
  });
  afterAll(() => model.dispose());

  it('the KV cache gives the logits of a full forward pass, one position at a time', () => {
    const ids = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8];
    const full = tf.tidy(() => model.logits(tf.tensor2d([ids], undefined, 'int32')).arraySync()[0]);
    const cache = model.createKVCache!(1);
    const first = model.logitsCached!(tf.tensor2d([ids.slice(0, 5)], undefined, 'int32'), cache);
    expect(maxAbsDiff(first.dataSync(), full[4])).toBeLessThan(1e-5);
    first.dispose();
    for (let t = 5; t < ids.length; t++) {
      const step = model.logitsCached!(tf.tensor2d([[ids[t]]], undefined, 'int32'), cache);
      expect(maxAbsDiff(step.dataSync(), full[t])).toBeLessThan(1e-5);
      step.dispose();
    }
    expect(cache.length).toBe(12);
    expect(() => model.logitsCached!(tf.tensor2d([[1]], undefined, 'int32'), cache)).toThrow(/exceed blockSize 12/);
    cache.dispose();
  });

  it('is reproducible for a seed and follows the seed', async () => {
    const a = await generate(model, [1, 2, 3], { maxNewTokens: 8, seed: 5 });
    const b = await generate(model, [1, 2, 3], { maxNewTokens: 8, seed: 5 });
    const c = await generate(model, [1, 2, 3], { maxNewTokens: 8, seed: 6 });
    expect(Array.from(a.newTokens)).toEqual(Array.from(b.newTokens));
    expect(Array.from(a.newTokens)).not.toEqual(Array.from(c.newTokens));
    expect(Array.from(a.tokens.slice(0, 3))).toEqual([1, 2, 3]);
    expect(a.tokens.length).toBe(11);
    expect(a.stopReason).toBe('max-new-tokens');
  });

  it('with and without the cache gives the same tokens while the sequence fits the context', async () => {
    for (const seed of [1, 2, 3]) {
      const options = { maxNewTokens: block - 3, seed, topK: 8, topP: 0.95 };
      const cached = await generate(model, [4, 5, 6], options);
      const plain = await generate(model, [4, 5, 6], { ...options, useCache: false });
      expect(Array.from(cached.tokens)).toEqual(Array.from(plain.tokens));
    }
  });

  it('crops a long prompt to the context like nanoGPT, and slides past it', async () => {
    const prompt = Array.from({ length: 30 }, (_, i) => (i * 5) % 17);
    const long = await generate(model, prompt, { maxNewTokens: 5, seed: 3 });
    const cropped = await generate(model, prompt.slice(-block), { maxNewTokens: 5, seed: 3 });
    expect(Array.from(long.newTokens)).toEqual(Array.from(cropped.newTokens));
    for (const useCache of [true, false]) {
      const far = await generate(model, [1], { maxNewTokens: 40, seed: 4, useCache });
      expect(far.newTokens.length).toBe(40);
      expect(far.newTokens.every((t) => t >= 0 && t < 17)).toBe(true);
    }
  });

  it('stops at a stop token or when the callback says so, streaming each token', async () => {
    const greedy = await generate(model, [2, 7], { maxNewTokens: 4, temperature: 0 });
    const stopped = await generate(model, [2, 7], {
      maxNewTokens: 4,
      temperature: 0,
      stopTokens: [greedy.newTokens[0]],
    });
    expect(stopped.stopReason).toBe('stop-token');
    expect(Array.from(stopped.newTokens)).toEqual([greedy.newTokens[0]]);
    const seen: [number, number][] = [];
    const early = await generate(model, [2, 7], {
      maxNewTokens: 4,
      temperature: 0,
      onToken: (token, index) => {
        seen.push([token, index]);
        return index < 2;
      },
    });
    expect(early.stopReason).toBe('callback');
    expect(seen).toEqual([...greedy.newTokens.slice(0, 3)].map((t, i) => [t, i]));
  });

  it('refuses what it cannot do', async () => {
    const bert = createModel({ objective: 'mlm', vocabSize: 17, blockSize: 8, nLayer: 1, nHead: 1, nEmbd: 8 });
    await expect(generate(bert, [1], { maxNewTokens: 1 })).rejects.toThrow(/needs a causal LM/);
    bert.dispose();
    await expect(generate(model, [], { maxNewTokens: 1 })).rejects.toThrow(/at least one token/);
    await expect(generate(model, [17], { maxNewTokens: 1 })).rejects.toThrow(/outside the model's vocabulary/);
    await expect(generate(model, [1], { maxNewTokens: 1, topP: 0 })).rejects.toThrow(SelfsupError);
    await expect(generate(model, [1], { maxNewTokens: 1, temperature: -1 })).rejects.toThrow(/temperature/);
    await expect(generate(model, [1], { maxNewTokens: -1 })).rejects.toThrow(/maxNewTokens/);
  });
});
