/** Transformer layers: GPT-2's pre-LayerNorm block and BERT's post-LayerNorm encoder layer. */
import * as tf from '@tensorflow/tfjs-core';
import { BertAttention, CausalSelfAttention } from './attention.js';
import type { ForwardContext } from './forward-context.js';
import type { LayerKVCache } from './kv-cache.js';
import { LayerNorm } from './layer-norm.js';
import { BertFeedForward, MLP } from './mlp.js';
import type { ParamStore } from './params.js';
import type { ResolvedModelConfig } from './types.js';

export class Block {
  private readonly ln1: LayerNorm;
  private readonly attn: CausalSelfAttention;
  private readonly ln2: LayerNorm;
  private readonly mlp: MLP;

  constructor(store: ParamStore, name: string, config: ResolvedModelConfig) {
    const { nEmbd: c, layerNormEpsilon: eps, bias } = config;
    this.ln1 = new LayerNorm(store, `${name}.ln_1`, c, eps, bias);
    this.attn = new CausalSelfAttention(store, `${name}.attn`, config);
    this.ln2 = new LayerNorm(store, `${name}.ln_2`, c, eps, bias);
    this.mlp = new MLP(store, `${name}.mlp`, config);
  }

  /** (N, C) → (N, C): x + attn(ln_1(x)), then + mlp(ln_2(x)) */
  apply(x: tf.Tensor2D, ctx: ForwardContext, cache?: { store: LayerKVCache; layer: number }): tf.Tensor2D {
    const h = tf.add(x, this.attn.apply(this.ln1.apply(x), ctx, cache)) as tf.Tensor2D;
    return tf.add(h, this.mlp.apply(this.ln2.apply(h), ctx)) as tf.Tensor2D;
  }
}

export class BertLayer {
  private readonly attention: BertAttention;
  private readonly feedForward: BertFeedForward;

  constructor(store: ParamStore, name: string, config: ResolvedModelConfig) {
    this.attention = new BertAttention(store, `${name}.attention`, config);
    this.feedForward = new BertFeedForward(store, name, config);
  }

  /** (N, C) → (N, C) */
  apply(x: tf.Tensor2D, ctx: ForwardContext): tf.Tensor2D {
    return this.feedForward.apply(this.attention.apply(x, ctx), ctx);
  }
}
