/** Input embeddings: GPT-2's token + position, and BERT's word + position + token type with a LayerNorm. */
import * as tf from '@tensorflow/tfjs-core';
import { dropout } from './dropout.js';
import type { ForwardContext } from './forward-context.js';
import { LayerNorm } from './layer-norm.js';
import { embedding } from './ops/embedding.js';
import type { ParamStore } from './params.js';
import type { ResolvedModelConfig } from './types.js';

export class GptEmbeddings {
  readonly wte: tf.Variable;
  readonly wpe: tf.Variable;

  constructor(store: ParamStore, config: ResolvedModelConfig) {
    this.wte = store.normal('transformer.wte.weight', [config.vocabSize, config.nEmbd], 0.02);
    this.wpe = store.normal('transformer.wpe.weight', [config.blockSize, config.nEmbd], 0.02);
  }

  /** ids (B, T) at positions past … past + T − 1 → (B·T, C) */
  apply(ids: tf.Tensor2D, ctx: ForwardContext, past = 0): tf.Tensor2D {
    const c = this.wpe.shape[1] as number;
    const tok = embedding(this.wte as tf.Tensor2D, ids); // (B, T, C)
    const pos = tf.slice(this.wpe, [past, 0], [ctx.time, c]); // (T, C)
    const x = tf.reshape(tf.add(tok, pos), [ctx.batch * ctx.time, c]) as tf.Tensor2D; // (B·T, C)
    return dropout(x, ctx.dropout, ctx.rng);
  }
}

export class BertEmbeddings {
  readonly word: tf.Variable;
  private readonly position: tf.Variable;
  private readonly tokenType: tf.Variable;
  private readonly layerNorm: LayerNorm;

  constructor(
    store: ParamStore,
    private readonly config: ResolvedModelConfig,
  ) {
    const { vocabSize: v, nEmbd: c, padTokenId } = config;
    this.word = store.normal('bert.embeddings.word_embeddings.weight', [v, c], 0.02, padTokenId);
    this.position = store.normal('bert.embeddings.position_embeddings.weight', [config.blockSize, c], 0.02);
    this.tokenType = store.normal('bert.embeddings.token_type_embeddings.weight', [config.typeVocabSize, c], 0.02);
    this.layerNorm = new LayerNorm(store, 'bert.embeddings.LayerNorm', c, config.layerNormEpsilon, config.bias);
  }

  /** ids (B, T), token types (B, T) or all 0 → (B·T, C) */
  apply(ids: tf.Tensor2D, ctx: ForwardContext, tokenTypeIds?: tf.Tensor2D): tf.Tensor2D {
    const c = this.config.nEmbd;
    const words = embedding(this.word as tf.Tensor2D, ids, this.config.padTokenId); // (B, T, C)
    const pos = tf.slice(this.position, [0, 0], [ctx.time, c]); // (T, C)
    const types = tokenTypeIds
      ? embedding(this.tokenType as tf.Tensor2D, tokenTypeIds) // (B, T, C)
      : tf.slice(this.tokenType, [0, 0], [1, c]); // (1, C): type 0 everywhere
    const x = tf.reshape(tf.add(tf.add(words, types), pos), [ctx.batch * ctx.time, c]) as tf.Tensor2D; // (B·T, C)
    return dropout(this.layerNorm.apply(x), ctx.dropout, ctx.rng);
  }
}
