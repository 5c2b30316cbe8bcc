/**
 * GPT-2 (causal LM): token + position embeddings, pre-LayerNorm blocks with causal self-attention, a final LayerNorm and
 * an LM head tied to the token embedding. Parameter names and layouts are Hugging Face's `GPT2LMHeadModel`.
 */
import type { Rng } from '@selfsup/core';
import { usageError } from '@selfsup/core';
import * as tf from '@tensorflow/tfjs-core';
import { Block } from './block.js';
import { GptEmbeddings } from './embeddings.js';
import type { ForwardContext } from './forward-context.js';
import { LayerKVCache } from './kv-cache.js';
import { LayerNorm } from './layer-norm.js';
import { ParamStore } from './params.js';
import { TransformerLM } from './transformer.js';
import type { KVCache, ResolvedModelConfig } from './types.js';

export class GPT extends TransformerLM {
  private readonly embeddings: GptEmbeddings;
  private readonly blocks: Block[];
  private readonly lnF: LayerNorm;

  constructor(config: ResolvedModelConfig, rng: Rng, seed: number) {
    const store = new ParamStore(rng);
    super(config, store, seed);
    this.embeddings = new GptEmbeddings(store, config);
    this.blocks = Array.from({ length: config.nLayer }, (_, i) => new Block(store, `transformer.h.${i}`, config));
    this.lnF = new LayerNorm(store, 'transformer.ln_f', config.nEmbd, config.layerNormEpsilon, config.bias);
  }

  protected hidden(inputs: tf.Tensor2D, ctx: ForwardContext): tf.Tensor2D {
    let x = this.embeddings.apply(inputs, ctx); // (B·T, C)
    for (const block of this.blocks) x = block.apply(x, ctx);
    return this.lnF.apply(x);
  }

  protected head(hidden: tf.Tensor2D): tf.Tensor2D {
    return tf.matMul(hidden, this.embeddings.wte, false, true); // (N, V), weight tied to wte
  }

  protected embeddingNames(): string[] {
    return ['transformer.wte.weight', 'transformer.wpe.weight'];
  }

  protected positionEmbeddingName(): string {
    return 'transformer.wpe.weight';
  }

  createKVCache(batchSize = 1): KVCache {
    return new LayerKVCache(this.config.nLayer, batchSize);
  }

  logitsCached(inputs: tf.Tensor2D, cache: KVCache): tf.Tensor2D {
    if (!(cache instanceof LayerKVCache)) throw usageError('logitsCached needs a cache made by this model');
    const ctx = this.context(inputs, {});
    if (ctx.batch !== cache.batchSize)
      throw usageError(`cache holds batch ${cache.batchSize}, inputs have ${ctx.batch}`);
    const past = cache.length;
    if (past + ctx.time > this.config.blockSize) {
      throw usageError(`KV cache: ${past} + ${ctx.time} positions exceed blockSize ${this.config.blockSize}`);
    }
    const out = tf.tidy(() => {
      let x = this.embeddings.apply(inputs, ctx, past); // (B·T, C)
      this.blocks.forEach((block, layer) => {
        x = block.apply(x, ctx, { store: cache, layer });
      });
      if (ctx.time > 1) {
        const last = tf.slice(
          tf.reshape(x, [ctx.batch, ctx.time, this.config.nEmbd]),
          [0, ctx.time - 1, 0],
          [-1, 1, -1],
        );
        x = tf.reshape(last, [ctx.batch, this.config.nEmbd]); // (B, C): only the last position is sampled from
      }
      return this.head(this.lnF.apply(x)); // (B, V)
    });
    cache.advance(ctx.time);
    return out;
  }
}
