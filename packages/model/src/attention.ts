/** Self-attention blocks: GPT-2's causal one (fused c_attn) and BERT's bidirectional one (post-LayerNorm). */
import * as tf from '@tensorflow/tfjs-core';
import { dropout } from './dropout.js';
import type { ForwardContext } from './forward-context.js';
import type { LayerKVCache } from './kv-cache.js';
import { LayerNorm } from './layer-norm.js';
import { affine, Linear } from './linear.js';
import { attention, mergeHeads, scaledDotProduct, splitQkv } from './ops/attention.js';
import type { ParamStore } from './params.js';
import type { ResolvedModelConfig } from './types.js';

export class CausalSelfAttention {
  private readonly cAttn: Linear;
  private readonly cProj: Linear;

  constructor(
    store: ParamStore,
    name: string,
    private readonly config: ResolvedModelConfig,
  ) {
    const { nEmbd: c, bias, nLayer } = config;
    this.cAttn = new Linear(store, `${name}.c_attn`, c, 3 * c, 'conv1d', { bias, std: 0.02 });
    // GPT-2: residual projections scaled by 1/√(2·n_layer)
    this.cProj = new Linear(store, `${name}.c_proj`, c, c, 'conv1d', { bias, std: 0.02 / Math.sqrt(2 * nLayer) });
  }

  /** (N, C) → (N, C); with a cache, attends to the cached positions too and appends this pass's keys and values. */
  apply(x: tf.Tensor2D, ctx: ForwardContext, cache?: { store: LayerKVCache; layer: number }): tf.Tensor2D {
    const { batch: b, time: t } = ctx;
    const { nEmbd: c, nHead } = this.config;
    const qkv = tf.reshape(this.cAttn.apply(x), [b, t, 3 * c]) as tf.Tensor3D; // (B, T, 3C)
    let y: tf.Tensor3D;
    if (!cache) {
      y = attention(qkv, { nHead, causal: true, dropoutRate: ctx.dropout, rng: ctx.rng }); // (B, T, C)
    } else {
      const past = cache.store.length;
      const [q, k, v] = splitQkv(qkv, nHead); // 3 × (B, nh, T, hs)
      const [allK, allV] = cache.store.append(cache.layer, k, v); // (B, nh, past + T, hs)
      y = mergeHeads(scaledDotProduct(q, allK, allV, { causalOffset: past })); // (B, T, C)
    }
    return dropout(this.cProj.apply(tf.reshape(y, [b * t, c]) as tf.Tensor2D), ctx.dropout, ctx.rng);
  }
}

export class BertAttention {
  private readonly query: Linear;
  private readonly key: Linear;
  private readonly value: Linear;
  private readonly dense: Linear;
  private readonly layerNorm: LayerNorm;

  constructor(
    store: ParamStore,
    name: string,
    private readonly config: ResolvedModelConfig,
  ) {
    const { nEmbd: c, bias, layerNormEpsilon } = config;
    const opts = { bias, std: 0.02 };
    this.query = new Linear(store, `${name}.self.query`, c, c, 'linear', opts);
    this.key = new Linear(store, `${name}.self.key`, c, c, 'linear', opts);
    this.value = new Linear(store, `${name}.self.value`, c, c, 'linear', opts);
    this.dense = new Linear(store, `${name}.output.dense`, c, c, 'linear', opts);
    this.layerNorm = new LayerNorm(store, `${name}.output.LayerNorm`, c, layerNormEpsilon, bias);
  }

  /** (N, C) → (N, C): LayerNorm(x + dropout(dense(attention(x)))) */
  apply(x: tf.Tensor2D, ctx: ForwardContext): tf.Tensor2D {
    const { batch: b, time: t } = ctx;
    const c = this.config.nEmbd;
    // One matmul for query | key | value: their [out, in] weights stacked to [3C, C].
    const w = tf.concat([this.query.weight, this.key.weight, this.value.weight], 0) as tf.Tensor2D;
    const bias = this.query.bias && (tf.concat([this.query.bias, this.key.bias!, this.value.bias!]) as tf.Tensor1D);
    const qkv = tf.reshape(affine(x, w, bias, 'linear'), [b, t, 3 * c]) as tf.Tensor3D; // (B, T, 3C)
    const y = attention(qkv, {
      nHead: this.config.nHead,
      causal: false,
      attentionMask: ctx.attentionMask,
      dropoutRate: ctx.dropout,
      rng: ctx.rng,
    }); // (B, T, C)
    const h = dropout(this.dense.apply(tf.reshape(y, [b * t, c]) as tf.Tensor2D), ctx.dropout, ctx.rng);
    return this.layerNorm.apply(tf.add(x, h) as tf.Tensor2D);
  }
}
