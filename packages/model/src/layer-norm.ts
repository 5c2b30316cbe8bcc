/** LayerNorm with an optional bias (nanoGPT's `LayerNorm(ndim, bias)`). */
import type * as tf from '@tensorflow/tfjs-core';
import { layerNorm } from './ops/layer-norm.js';
import type { ParamStore } from './params.js';

export class LayerNorm {
  readonly weight: tf.Variable;
  readonly bias?: tf.Variable;

  constructor(
    store: ParamStore,
    name: string,
    size: number,
    private readonly epsilon: number,
    bias: boolean,
  ) {
    this.weight = store.ones(`${name}.weight`, [size]);
    if (bias) this.bias = store.zeros(`${name}.bias`, [size]);
  }

  /** (N, C) → (N, C) */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return layerNorm(x, this.weight as tf.Tensor1D, this.bias as tf.Tensor1D | undefined, this.epsilon);
  }
}
