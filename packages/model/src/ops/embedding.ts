/**
 * Embedding lookup: rows of `weight` [V, C] for int32 ids. With `paddingIdx` (BERT's word embeddings, PyTorch's
 * `nn.Embedding(padding_idx=…)`) the padding row receives no gradient from the lookup, as in PyTorch.
 */
import * as tf from '@tensorflow/tfjs-core';
import { customOp } from './fused.js';

/** ids of any shape S → [...S, C]. */
export function embedding(weight: tf.Tensor2D, ids: tf.Tensor, paddingIdx?: number): tf.Tensor {
  if (paddingIdx === undefined) return tf.gather(weight, ids);
  const [v, c] = weight.shape;
  const op = customOp(([w], save) => {
    const flat = tf.reshape(ids, [ids.size]);
    save([flat]);
    return {
      value: tf.reshape(tf.gather(w, flat), [...ids.shape, c]),
      gradFunc: (dy, [savedIds]) => {
        const keep = tf.reshape(tf.cast(tf.notEqual(savedIds, paddingIdx), 'float32'), [ids.size, 1]);
        return tf.unsortedSegmentSum(tf.mul(tf.reshape(dy, [ids.size, c]), keep), savedIds as tf.Tensor1D, v);
      },
    };
  });
  return op(weight);
}
