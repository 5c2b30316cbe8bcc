/** Feed-forward blocks: GPT-2's MLP (c_fc → GELU → c_proj) and BERT's (intermediate → GELU → output + LayerNorm). */
import * as tf from '@tensorflow/tfjs-core';
import { activationOf } from './config.js';
import { dropout } from './dropout.js';
import type { ForwardContext } from './forward-context.js';
import { LayerNorm } from './layer-norm.js';
import { Linear } from './linear.js';
import { gelu } from './ops/gelu.js';
import type { ParamStore } from './params.js';
import type { ResolvedModelConfig } from './types.js';

export class MLP {
  private readonly cFc: Linear;
  private readonly cProj: Linear;

  constructor(
    store: ParamStore,
    name: string,
    private readonly config: ResolvedModelConfig,
  ) {
    const { nEmbd: c, intermediateSize: f, bias, nLayer } = config;
    this.cFc = new Linear(store, `${name}.c_fc`, c, f, 'conv1d', { bias, std: 0.02 });
    this.cProj = new Linear(store, `${name}.c_proj`, f, c, 'conv1d', { bias, std: 0.02 / Math.sqrt(2 * nLayer) });
  }

  /** (N, C) → (N, C) */
  apply(x: tf.Tensor2D, ctx: ForwardContext): tf.Tensor2D {
    const h = gelu(this.cFc.apply(x), activationOf(this.config)); // (N, 4C)
    return dropout(this.cProj.apply(h), ctx.dropout, ctx.rng);
  }
}

export class BertFeedForward {
  private readonly intermediate: Linear;
  private readonly output: Linear;
  private readonly layerNorm: LayerNorm;

  constructor(
    store: ParamStore,
    name: string,
    private readonly config: ResolvedModelConfig,
  ) {
    const { nEmbd: c, intermediateSize: f, bias, layerNormEpsilon } = config;
    this.intermediate = new Linear(store, `${name}.intermediate.dense`, c, f, 'linear', { bias, std: 0.02 });
    this.output = new Linear(store, `${name}.output.dense`, f, c, 'linear', { bias, std: 0.02 });
    this.layerNorm = new LayerNorm(store, `${name}.output.LayerNorm`, c, layerNormEpsilon, bias);
  }

  /** (N, C) → (N, C): LayerNorm(x + dropout(output(GELU(intermediate(x))))) */
  apply(x: tf.Tensor2D, ctx: ForwardContext): tf.Tensor2D {
    const h = gelu(this.intermediate.apply(x), activationOf(this.config)); // (N, F)
    return this.layerNorm.apply(tf.add(x, dropout(this.output.apply(h), ctx.dropout, ctx.rng)));
  }
}
