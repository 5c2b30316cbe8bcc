/**
 * Test doubles: a tiny bigram-style language model implementing the `LanguageModel` contract, and random-block token
 * streams. Used by this package's tests only (not exported).
 */
import { Rng } from '@selfsup/core';
import type { ForwardOptions, LanguageModel, ResolvedModelConfig } from '@selfsup/model';
import * as tf from '@tensorflow/tfjs-core';
import type { Batch, BatchStream, Split, TrainData } from './batches.js';

let counter = 0;

/** Embedding → (dropout) → LayerNorm-free linear head; HF-style names; sparse cross-entropy with ignore index -100. */
export function tinyModel(config: Partial<ResolvedModelConfig> = {}, seed = 1): LanguageModel {
  const cfg: ResolvedModelConfig = {
    objective: 'clm',
    vocabSize: 11,
    blockSize: 8,
    nLayer: 1,
    nHead: 1,
    nEmbd: 6,
    dropout: 0,
    bias: true,
    layerNormEpsilon: 1e-5,
    intermediateSize: 24,
    typeVocabSize: 2,
    padTokenId: 0,
    ...config,
  };
  counter += 1;
  const id = counter;
  const params = new Map<string, tf.Variable>([
    [
      'transformer.wte.weight',
      tf.variable(tf.randomNormal([cfg.vocabSize, cfg.nEmbd], 0, 0.5, 'float32', seed), true, `tiny${id}.wte`),
    ],
    [
      'lm_head.weight',
      tf.variable(tf.randomNormal([cfg.nEmbd, cfg.vocabSize], 0, 0.5, 'float32', seed + 1), true, `tiny${id}.head`),
    ],
    ['lm_head.bias', tf.variable(tf.zeros([cfg.vocabSize]), true, `tiny${id}.bias`)],
  ]);
  const logits = (inputs: tf.Tensor2D, options: ForwardOptions = {}): tf.Tensor3D =>
    tf.tidy(() => {
      const [b, t] = inputs.shape;
      let h: tf.Tensor = tf.gather(params.get('transformer.wte.weight')!, tf.reshape(inputs, [-1])); // (B·T, C)
      if (options.training && cfg.dropout > 0) h = tf.dropout(h, cfg.dropout, undefined, options.dropoutSeed);
      const out = tf.add(tf.matMul(h, params.get('lm_head.weight')!), params.get('lm_head.bias')!);
      return tf.reshape(out, [b, t, cfg.vocabSize]) as tf.Tensor3D;
    });
  return {
    config: cfg,
    params,
    logits,
    loss(inputs, labels, options = {}) {
      return tf.tidy(() => {
        const flat = tf.reshape(logits(inputs, options), [-1, cfg.vocabSize]);
        const y = tf.reshape(labels, [-1]);
        const valid = tf.cast(tf.notEqual(y, -100), 'float32');
        const safe = tf.where(tf.notEqual(y, -100), y, tf.zerosLike(y));
        const logp = tf.logSoftmax(flat);
        const n = flat.shape[0];
        const index = tf.add(tf.mul(tf.range(0, n, 1, 'int32'), tf.scalar(cfg.vocabSize, 'int32')), safe); // row · V + label
        const picked = tf.gather(tf.reshape(logp, [-1]), index);
        return tf.div(tf.neg(tf.sum(tf.mul(picked, valid))), tf.maximum(tf.sum(valid), 1)) as tf.Scalar;
      });
    },
    labelLosses(inputs, labels, options = {}) {
      const ys = labels.dataSync();
      const rows: number[] = [];
      for (let i = 0; i < ys.length; i++) if (ys[i] !== -100) rows.push(i * cfg.vocabSize + ys[i]); // row · V + label
      return tf.tidy(() => {
        const logp = tf.reshape(tf.logSoftmax(tf.reshape(logits(inputs, options), [-1, cfg.vocabSize])), [-1]);
        return tf.neg(tf.gather(logp, tf.tensor1d(rows, 'int32'))) as tf.Tensor1D;
      });
    },
    numParams: () => [...params.values()].reduce((s, p) => s + p.size, 0),
    paramGroups: () => ({ decay: ['transformer.wte.weight', 'lm_head.weight'], noDecay: ['lm_head.bias'] }),
    flopsPerToken: () => 6 * (cfg.vocabSize * cfg.nEmbd),
    dispose: () => {
      for (const p of params.values()) p.dispose();
    },
  };
}

/** A corpus that a bigram model can learn: a fixed random walk over a small vocabulary. */
export function patternTokens(n: number, vocab: number, seed = 3): Int32Array {
  const rng = new Rng(seed);
  const next = Array.from({ length: vocab }, () => rng.int(vocab));
  const out = new Int32Array(n);
  out[0] = 1;
  for (let i = 1; i < n; i++) out[i] = rng.next() < 0.9 ? next[out[i - 1]] : rng.int(vocab);
  return out;
}

/** Random CLM blocks: each row starts at an offset drawn in order from the stream's RNG. */
export class RandomBlocks implements BatchStream {
  private rng: Rng;
  constructor(
    private readonly tokens: Int32Array,
    private readonly batchSize: number,
    private readonly blockSize: number,
    seed: number,
  ) {
    this.rng = new Rng(seed);
  }
  next(): Batch {
    const { batchSize: b, blockSize: t } = this;
    const inputs = new Int32Array(b * t);
    const labels = new Int32Array(b * t);
    for (let r = 0; r < b; r++) {
      const off = this.rng.int(this.tokens.length - t);
      inputs.set(this.tokens.subarray(off, off + t), r * t);
      labels.set(this.tokens.subarray(off + 1, off + t + 1), r * t);
    }
    return { inputs, labels, batchSize: b, blockSize: t };
  }
  getState(): unknown {
    return { rng: this.rng.state };
  }
  setState(state: unknown): void {
    this.rng = Rng.fromState((state as { rng: number[] }).rng);
  }
}

export function tinyData(batchSize: number, blockSize: number, vocab = 11, n = 4000): TrainData {
  const all = patternTokens(n, vocab);
  const cut = Math.floor(n * 0.9);
  const splits: Record<Split, Int32Array> = { train: all.subarray(0, cut), val: all.subarray(cut) };
  return {
    tokens: { train: splits.train.length, val: splits.val.length },
    stream: (split, seed) => new RandomBlocks(splits[split], batchSize, blockSize, seed),
  };
}
