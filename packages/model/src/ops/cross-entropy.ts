/**
 * Softmax cross-entropy per row from integer labels, never one-hot: loss[n] = logSumExp(logits[n]) − logits[n, label[n]],
 * 0 where label[n] is `ignoreIndex`. Composite path: log-softmax, then a gather of one element per row.
 */
import { FusedKernel } from '@selfsup/core';
import * as tf from '@tensorflow/tfjs-core';
import { customOp, runKernel, useFused } from './fused.js';

/** logits float32 [N, V], labels int32 [N] → per-row loss [N]. */
export function sparseCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, ignoreIndex = -100): tf.Tensor1D {
  if (useFused(FusedKernel.SparseCrossEntropy, FusedKernel.SparseCrossEntropyGrad)) {
    return fusedSparseCrossEntropy(logits, labels, ignoreIndex);
  }
  return tf.tidy(() => {
    const [n, v] = logits.shape;
    const keep = tf.notEqual(labels, ignoreIndex);
    const safe = tf.where(keep, labels, tf.zerosLike(labels)); // ignored rows read column 0, then get weight 0
    const flat = tf.add(tf.mul(tf.range(0, n, 1, 'int32'), tf.scalar(v, 'int32')), safe); // row · V + label
    const logp = tf.reshape(tf.logSoftmax(logits), [n * v]);
    const picked = tf.gather(logp, flat); // [N]
    return tf.mul(tf.neg(picked), tf.cast(keep, 'float32')) as tf.Tensor1D;
  });
}

function fusedSparseCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, ignoreIndex: number): tf.Tensor1D {
  const attrs = { ignoreIndex };
  const op = customOp(([x], save) => {
    const [loss, logSumExp] = runKernel(FusedKernel.SparseCrossEntropy, { logits: x, labels }, attrs);
    save([x, labels, logSumExp]); // labels too: the caller may dispose its copy before the backward pass
    return {
      value: loss,
      gradFunc: (dy, saved) => {
        const [l, y, lse] = saved;
        return runKernel(FusedKernel.SparseCrossEntropyGrad, { logits: l, labels: y, logSumExp: lse, dy }, attrs)[0];
      },
    };
  });
  return op(logits) as tf.Tensor1D;
}
