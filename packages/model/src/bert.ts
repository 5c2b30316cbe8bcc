/**
 * BERT (masked LM): word + position + token-type embeddings with a LayerNorm, post-LayerNorm encoder layers with
 * bidirectional attention and a padding mask, and the MLM head (dense → GELU → LayerNorm → decoder tied to the word
 * embeddings, plus a bias). Parameter names and layouts are Hugging Face's `BertForMaskedLM`.
 */
import type { Rng } from '@selfsup/core';
import * as tf from '@tensorflow/tfjs-core';
import { BertLayer } from './block.js';
import { activationOf } from './config.js';
import { BertEmbeddings } from './embeddings.js';
import type { ForwardContext } from './forward-context.js';
import { LayerNorm } from './layer-norm.js';
import { Linear } from './linear.js';
import { gelu } from './ops/gelu.js';
import { ParamStore } from './params.js';
import { labelledRows, TransformerLM } from './transformer.js';
import type { ForwardOptions, ResolvedModelConfig } from './types.js';

export class Bert extends TransformerLM {
  private readonly embeddings: BertEmbeddings;
  private readonly layers: BertLayer[];
  private readonly decoderBias: tf.Variable;
  private readonly transform: Linear;
  private readonly transformNorm: LayerNorm;

  constructor(config: ResolvedModelConfig, rng: Rng, seed: number) {
    const store = new ParamStore(rng);
    super(config, store, seed);
    const { nEmbd: c, bias, layerNormEpsilon: eps } = config;
    this.embeddings = new BertEmbeddings(store, config);
    this.layers = Array.from(
      { length: config.nLayer },
      (_, i) => new BertLayer(store, `bert.encoder.layer.${i}`, config),
    );
    this.decoderBias = store.zeros('cls.predictions.bias', [config.vocabSize]);
    this.transform = new Linear(store, 'cls.predictions.transform.dense', c, c, 'linear', { bias, std: 0.02 });
    this.transformNorm = new LayerNorm(store, 'cls.predictions.transform.LayerNorm', c, eps, bias);
  }

  protected hidden(inputs: tf.Tensor2D, ctx: ForwardContext, options: ForwardOptions): tf.Tensor2D {
    // Without an explicit mask, padding tokens are not attended to.
    const mask = ctx.attentionMask ?? (tf.cast(tf.notEqual(inputs, this.config.padTokenId), 'int32') as tf.Tensor2D);
    const layerCtx = { ...ctx, attentionMask: mask };
    let x = this.embeddings.apply(inputs, ctx, options.tokenTypeIds); // (B·T, C)
    for (const layer of this.layers) x = layer.apply(x, layerCtx);
    return x;
  }

  protected head(hidden: tf.Tensor2D): tf.Tensor2D {
    const h = this.transformNorm.apply(gelu(this.transform.apply(hidden), activationOf(this.config))); // (N, C)
    return tf.add(tf.matMul(h, this.embeddings.word, false, true), this.decoderBias); // (N, V)
  }

  protected override lossRows(labels: tf.Tensor2D): Int32Array {
    return labelledRows(labels);
  }

  protected embeddingNames(): string[] {
    return [
      'bert.embeddings.word_embeddings.weight',
      'bert.embeddings.position_embeddings.weight',
      'bert.embeddings.token_type_embeddings.weight',
    ];
  }

  protected positionEmbeddingName(): string {
    return 'bert.embeddings.position_embeddings.weight';
  }
}
