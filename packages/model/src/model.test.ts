import { Rng, SelfsupError } from '@selfsup/core';
import { trainWordPiece } from '@selfsup/tokenizer';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel } from './create-model.js';
import { fillMask } from './fill-mask.js';
import { generate } from './generate.js';
import { useBackend } from './testing/fixtures.js';
import type { LanguageModel, ModelConfig } from './types.js';

const NANOGPT_CPU: ModelConfig = { objective: 'clm', vocabSize: 65, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128 };
const TINY_GPT: ModelConfig = { objective: 'clm', vocabSize: 13, blockSize: 16, nLayer: 2, nHead: 2, nEmbd: 16 };
const TINY_BERT: ModelConfig = { objective: 'mlm', vocabSize: 13, blockSize: 16, nLayer: 2, nHead: 2, nEmbd: 16 };

const ints = (rows: number[][]) => tf.tensor2d(rows, undefined, 'int32');

function std(values: Float32Array): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
}

function paramValues(model: LanguageModel): Map<string, number[]> {
  return new Map([...model.params].map(([k, v]) => [k, Array.from(v.dataSync())]));
}

beforeAll(async () => {
  await useBackend('cpu');
});

describe('createModel', () => {
  it('counts parameters like nanoGPT (0.80M for nanogpt-cpu) and BERT by hand', () => {
    const gpt = createModel(NANOGPT_CPU);
    // wte 65·128 + 4 · (2 LN + c_attn 128·384+384 + c_proj 128·128+128 + c_fc 128·512+512 + c_proj 512·128+128) + ln_f
    const layer = 2 * 256 + 128 * 384 + 384 + 128 * 128 + 128 + 128 * 512 + 512 + 512 * 128 + 128;
    expect(gpt.numParams()).toBe(65 * 128 + 4 * layer + 256);
    expect(gpt.numParams()).toBe(801_664);
    expect(gpt.numParams({ nonEmbedding: false })).toBe(801_664 + 64 * 128);
    gpt.dispose();
    const bert = createModel({ ...TINY_BERT, intermediateSize: 24 });
    const c = 16;
    const bertLayer = 4 * (c * c + c) + 2 * c + (c * 24 + 24) + (24 * c + c) + 2 * c;
    const embeddings = 13 * c + 16 * c + 2 * c + 2 * c;
    const head = 13 + c * c + c + 2 * c;
    expect(bert.numParams({ nonEmbedding: false })).toBe(embeddings + 2 * bertLayer + head);
    expect(bert.numParams()).toBe(embeddings + 2 * bertLayer + head - 16 * c);
    bert.dispose();
  });

  it('groups parameters for weight decay like nanoGPT (dim ≥ 2), optionally sparing embeddings', () => {
    const gpt = createModel(TINY_GPT);
    const groups = gpt.paramGroups();
    expect(groups.decay).toContain('transformer.wte.weight');
    expect(groups.decay).toContain('transformer.h.0.attn.c_attn.weight');
    expect(groups.noDecay).toContain('transformer.h.0.attn.c_attn.bias');
    expect(groups.noDecay).toContain('transformer.ln_f.weight');
    expect(groups.decay.length + groups.noDecay.length).toBe(gpt.params.size);
    for (const name of groups.decay) expect(gpt.params.get(name)!.rank).toBeGreaterThanOrEqual(2);
    const spared = gpt.paramGroups({ decayEmbeddings: false });
    expect(spared.noDecay).toEqual(expect.arrayContaining(['transformer.wte.weight', 'transformer.wpe.weight']));
    gpt.dispose();
  });

  it("estimates FLOPs per token like nanoGPT's estimate_mfu", () => {
    const gpt = createModel(NANOGPT_CPU);
    expect(gpt.flopsPerToken()).toBe(6 * 801_664 + 12 * 4 * 128 * 64);
    expect(gpt.flopsPerToken(32)).toBe(6 * 801_664 + 12 * 4 * 128 * 32);
    gpt.dispose();
  });

  it('initialises like GPT-2 / BERT, seeded', () => {
    const config = { ...TINY_GPT, nEmbd: 64, nLayer: 3, vocabSize: 200 };
    const a = createModel(config, { seed: 7 });
    const wte = a.params.get('transformer.wte.weight')!.dataSync() as Float32Array;
    expect(std(wte)).toBeCloseTo(0.02, 2);
    const proj = a.params.get('transformer.h.1.mlp.c_proj.weight')!.dataSync() as Float32Array;
    expect(std(proj) / (0.02 / Math.sqrt(6))).toBeCloseTo(1, 1);
    expect(
      a.params
        .get('transformer.h.0.ln_1.weight')!
        .dataSync()
        .every((x) => x === 1),
    ).toBe(true);
    expect(
      a.params
        .get('transformer.h.0.attn.c_attn.bias')!
        .dataSync()
        .every((x) => x === 0),
    ).toBe(true);
    const b = createModel(config, { seed: 7 });
    const c = createModel(config, { seed: 8 });
    expect(paramValues(b)).toEqual(paramValues(a));
    expect(paramValues(c).get('transformer.wte.weight')).not.toEqual(paramValues(a).get('transformer.wte.weight'));
    for (const m of [a, b, c]) m.dispose();
    const bert = createModel({ ...TINY_BERT, padTokenId: 3 });
    const word = bert.params.get('bert.embeddings.word_embeddings.weight')!.arraySync() as number[][];
    expect(word[3].every((x) => x === 0)).toBe(true); // padding row
    expect(word[4].some((x) => x !== 0)).toBe(true);
    bert.dispose();
  });

  it('rejects bad configs and inputs with a SelfsupError', () => {
    expect(() => createModel({ ...TINY_GPT, nHead: 3 })).toThrow(/divisible by nHead/);
    expect(() => createModel({ ...TINY_GPT, objective: 'seq2seq' as 'clm' })).toThrow(/objective must be/);
    expect(() => createModel({ ...TINY_GPT, dropout: 1 })).toThrow(/dropout must be in \[0, 1\)/);
    expect(() => createModel({ ...TINY_GPT, vocabSize: 0 })).toThrow(/vocabSize must be a positive integer/);
    const m = createModel(TINY_GPT);
    expect(() => m.logits(tf.zeros([1, 17], 'int32') as tf.Tensor2D)).toThrow(
      /17 positions, more than the model's blockSize 16/,
    );
    expect(() => m.logits(tf.zeros([1, 4]) as tf.Tensor2D)).toThrow(/int32/);
    expect(() => m.loss(ints([[1, 2]]), ints([[1, 2, 3]]))).toThrow(SelfsupError);
    m.dispose();
  });
});

describe('loss', () => {
  it('is the mean cross-entropy over labels that are not -100', () => {
    const m = createModel(TINY_GPT, { seed: 3 });
    const inputs = ints([[1, 2, 3, 4]]);
    const logits = tf.tidy(() => tf.reshape(tf.logSoftmax(m.logits(inputs)), [4, 13]).arraySync() as number[][]);
    const loss = m.loss(inputs, ints([[2, -100, 4, 0]])).dataSync()[0];
    expect(loss).toBeCloseTo(-(logits[0][2] + logits[2][4] + logits[3][0]) / 3, 5);
    expect(m.loss(inputs, ints([[-100, -100, -100, -100]])).dataSync()[0]).toBe(0);
    m.dispose();
  });

  it('MLM: projects only labelled rows, with the same result as all rows', () => {
    const m = createModel(TINY_BERT, { seed: 4 });
    const inputs = ints([[2, 5, 9, 1, 7]]);
    const logp = tf.tidy(() => tf.reshape(tf.logSoftmax(m.logits(inputs)), [5, 13]).arraySync() as number[][]);
    const loss = m.loss(inputs, ints([[-100, 6, -100, -100, 11]])).dataSync()[0];
    expect(loss).toBeCloseTo(-(logp[1][6] + logp[4][11]) / 2, 5);
    m.dispose();
  });

  it('labelLosses: the cross-entropy at each labelled position, in order; its mean is the loss', () => {
    for (const [config, labelRows] of [
      [TINY_GPT, [[2, -100, 4, 0, 9]]],
      [TINY_BERT, [[-100, 6, -100, -100, 11]]],
    ] as const) {
      const m = createModel(config, { seed: 5 });
      const inputs = ints([[2, 5, 9, 1, 7]]);
      const labels = ints(labelRows.map((r) => [...r]));
      const logp = tf.tidy(() => tf.reshape(tf.logSoftmax(m.logits(inputs)), [5, 13]).arraySync() as number[][]);
      const expected = labelRows[0].flatMap((label, t) => (label === -100 ? [] : [-logp[t][label]]));
      const losses = m.labelLosses(inputs, labels);
      const values = Array.from(losses.dataSync());
      expect(values).toHaveLength(expected.length);
      for (const [i, v] of values.entries()) expect(v).toBeCloseTo(expected[i], 5);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      expect(m.loss(inputs, labels).dataSync()[0]).toBeCloseTo(mean, 5);
      losses.dispose();
      const none = m.labelLosses(inputs, ints([[-100, -100, -100, -100, -100]]));
      expect(none.shape).toEqual([0]);
      none.dispose();
      expect(() => m.labelLosses(inputs, ints([[1, 2]]))).toThrow(/labelLosses: labels must have/);
      m.dispose();
    }
  });

  it('dropout: reproducible for a seed, different across seeds, off at evaluation', () => {
    for (const config of [TINY_GPT, TINY_BERT]) {
      const m = createModel({ ...config, dropout: 0.3 });
      const inputs = ints([[1, 2, 3, 4, 5, 6]]);
      const labels = ints([[2, 3, 4, 5, 6, 7]]);
      const at = (options: object) => m.loss(inputs, labels, options).dataSync()[0];
      const evalLoss = at({});
      expect(at({ training: true, dropoutSeed: 1 })).toBe(at({ training: true, dropoutSeed: 1 }));
      expect(at({ training: true, dropoutSeed: 1 })).not.toBe(at({ training: true, dropoutSeed: 2 }));
      expect(at({ training: true, dropoutSeed: 1 })).not.toBe(evalLoss);
      expect(at({ training: false, dropoutSeed: 1 })).toBe(evalLoss);
      m.dispose();
    }
  });

  it('BERT ignores padding: a padded sequence scores its real tokens as the unpadded one does', () => {
    const m = createModel(TINY_BERT, { seed: 9 });
    const short = m.logits(ints([[4, 5, 6]])).dataSync();
    const padded = m.logits(ints([[4, 5, 6, 0, 0]])).dataSync(); // pad id 0 → masked by default
    expect(Math.max(...short.map((x, i) => Math.abs(x - padded[i])))).toBeLessThan(1e-5);
    m.dispose();
  });
});

/** Adam steps on batches from `batch(step)`; returns the first loss and the mean of the last five. */
function trainSteps(
  model: LanguageModel,
  steps: number,
  batch: (step: number) => [number[][], number[][]],
): [number, number] {
  const optimizer = tf.train.adam(1e-2);
  const vars = [...model.params.values()];
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const [inputs, labels] = batch(i).map(ints);
    const loss = optimizer.minimize(() => model.loss(inputs, labels, { training: true, dropoutSeed: i }), true, vars)!;
    losses.push(loss.dataSync()[0]);
    tf.dispose([loss, inputs, labels]);
  }
  optimizer.dispose();
  return [losses[0], losses.slice(-5).reduce((a, b) => a + b, 0) / 5];
}

describe('training and inference', () => {
  const rng = new Rng(1);
  const rows = Array.from({ length: 4 }, () => {
    const start = rng.int(8);
    return Array.from({ length: 12 }, (_, t) => 1 + ((start + t) % 8)); // 1 2 3 … 8 1 2 …
  });

  it('CLM learns a pattern in a few steps and then generates it', async () => {
    const gpt = createModel({ ...TINY_GPT, dropout: 0.1 });
    const [first, last] = trainSteps(gpt, 40, () => [rows.map((r) => r.slice(0, 11)), rows.map((r) => r.slice(1))]);
    expect(last).toBeLessThan(first / 4);
    const { newTokens } = await generate(gpt, [3, 4, 5], { maxNewTokens: 6, temperature: 0 });
    expect(Array.from(newTokens)).toEqual([6, 7, 8, 1, 2, 3]);
    gpt.dispose();
  });

  it('MLM learns from freshly masked batches (30% of positions, 12 = [MASK])', () => {
    const bert = createModel({ ...TINY_BERT, dropout: 0.1 });
    const masks = new Rng(2);
    const [first, last] = trainSteps(bert, 50, () => {
      const chosen = rows.map((r) => r.map(() => masks.next() < 0.3));
      return [
        rows.map((r, i) => r.map((x, t) => (chosen[i][t] ? 12 : x))),
        rows.map((r, i) => r.map((x, t) => (chosen[i][t] ? x : -100))),
      ];
    });
    expect(last).toBeLessThan(first * 0.7);
    bert.dispose();
  });

  it('fillMask ranks the softmax of the logits at each mask', async () => {
    const bert = createModel(TINY_BERT, { seed: 11 });
    const tokenizer = {
      maskTokenId: 12,
      encode: (text: string) => text.split(' ').map((w) => (w === '[MASK]' ? 12 : Number(w))),
      decode: (ids: ArrayLike<number>) => Array.from(ids, (i) => (i === 12 ? '[MASK]' : String(i))).join(' '),
      idToToken: (id: number) => `t${id}`,
    };
    const result = await fillMask(bert, tokenizer, '3 [MASK] 5 6 [MASK]', { topK: 4 });
    const probs = tf.tidy(() => tf.softmax(bert.logits(ints([[3, 12, 5, 6, 12]]))).arraySync()[0]);
    expect(result).toHaveLength(2);
    for (const [m, position] of [1, 4].entries()) {
      const expected = probs[position]
        .map((p, id) => [p, id])
        .sort((a, b) => b[0] - a[0])
        .slice(0, 4);
      expect(result[m].map((p) => p.tokenId)).toEqual(expected.map(([, id]) => id));
      for (const [k, p] of result[m].entries()) expect(p.score).toBeCloseTo(expected[k][0], 6);
      const best = result[m][0];
      expect(best.token).toBe(`t${best.tokenId}`);
      expect(best.sequence.split(' ')[position]).toBe(String(best.tokenId));
    }
    await expect(fillMask(bert, tokenizer, '3 4 5')).rejects.toThrow(/no \[MASK\]/);
    const tooLong = Array.from({ length: TINY_BERT.blockSize + 1 }, () => '[MASK]').join(' ');
    await expect(fillMask(bert, tokenizer, tooLong)).rejects.toThrow(
      `the text is ${TINY_BERT.blockSize + 1} tokens (special tokens included), more than the model's ${TINY_BERT.blockSize} positions`,
    );
    // With @selfsup/tokenizer's WordPiece: [CLS] … [SEP] added, sequences decoded without them.
    const wordPiece = trainWordPiece(['the quick brown fox jumps over the lazy dog'], { vocabSize: 60 });
    const wpModel = createModel({ ...TINY_BERT, vocabSize: wordPiece.vocabSize }, { seed: 2 });
    const [wp] = await fillMask(wpModel, wordPiece, 'the [MASK] fox', { topK: 2 });
    expect(wp).toHaveLength(2);
    expect(wp[0].sequence).toBe(`the ${wordPiece.decode([wp[0].tokenId])} fox`);
    expect(wp[0].token).toBe(wordPiece.idToToken(wp[0].tokenId));
    wpModel.dispose();
    await expect(fillMask(createModel(TINY_GPT), tokenizer, '[MASK]')).rejects.toThrow(/needs a masked LM/);
    bert.dispose();
  });

  it('no tensor leaks across loss + gradients, generate and fillMask', async () => {
    const gpt = createModel({ ...TINY_GPT, dropout: 0.1 });
    const bert = createModel({ ...TINY_BERT, dropout: 0.1 });
    const inputs = ints([[1, 2, 3, 4, 5, 0]]);
    const labels = ints([[2, 3, -100, 5, 6, 1]]);
    const tokenizer = { maskTokenId: 12, encode: () => [1, 12, 3, 0], decode: () => '' };
    const once = async () => {
      for (const m of [gpt, bert]) {
        const { value, grads } = tf.variableGrads(() => m.loss(inputs, labels, { training: true }));
        value.dispose();
        tf.dispose(grads);
        m.logits(inputs).dispose();
      }
      await generate(gpt, [1, 2], { maxNewTokens: 20, topK: 5 }); // passes blockSize 16: the cache slides
      await generate(gpt, [1, 2], { maxNewTokens: 3, useCache: false });
      await fillMask(bert, tokenizer, 'x');
    };
    await once();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await once();
    expect(tf.memory().numTensors).toBe(before);
    gpt.dispose();
    bert.dispose();
  });
});
