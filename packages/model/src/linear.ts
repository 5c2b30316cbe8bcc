/**
 * A dense layer in the weight layout its Hugging Face model saves: GPT-2's `Conv1D` keeps the weight as [in, out],
 * PyTorch's `Linear` (BERT) as [out, in]. Keeping the file layout means saving and loading never transpose.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ParamStore } from './params.js';

export type WeightLayout = 'conv1d' | 'linear';

export class Linear {
  readonly weight: tf.Variable;
  readonly bias?: tf.Variable;

  constructor(
    store: ParamStore,
    name: string,
    inFeatures: number,
    outFeatures: number,
    readonly layout: WeightLayout,
    options: { bias: boolean; std: number },
  ) {
    const shape = layout === 'conv1d' ? [inFeatures, outFeatures] : [outFeatures, inFeatures];
    this.weight = store.normal(`${name}.weight`, shape, options.std);
    if (options.bias) this.bias = store.zeros(`${name}.bias`, [outFeatures]);
  }

  /** (N, in) → (N, out) */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return affine(x, this.weight as tf.Tensor2D, this.bias as tf.Tensor1D | undefined, this.layout);
  }
}

/**
 * x · W (+ b), with W in either layout. Deliberately a plain matmul and an add, not tfjs's `fused.matMul`: on
 * tfjs-backend-wasm 4.22 `_FusedMatMul` is slow for one-row inputs (decoding) and adds the bias to the wrong elements
 * when `transposeB` is set.
 */
export function affine(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D | undefined, layout: WeightLayout): tf.Tensor2D {
  const y: tf.Tensor2D = tf.matMul(x, w, false, layout === 'linear');
  return b ? (tf.add(y, b) as tf.Tensor2D) : y;
}
