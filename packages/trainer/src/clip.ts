/**
 * Global-norm gradient clipping, as PyTorch's `clip_grad_norm_`: the norm of all gradients taken together; when it
 * is above `maxNorm` every gradient is scaled by `maxNorm / (norm + 1e-6)`.
 */
import * as tf from '@tensorflow/tfjs-core';

/** √(Σ g²) over every gradient, as a scalar tensor (not read back, so it can be batched with the loss). */
export function globalNorm(grads: Iterable<tf.Tensor>): tf.Scalar {
  return tf.tidy(() => {
    const squares = [...grads].map((g) => tf.sum(tf.square(g)));
    if (squares.length === 0) return tf.scalar(0);
    return tf.sqrt(squares.length === 1 ? squares[0] : tf.addN(squares)) as tf.Scalar;
  });
}

/** The factor clipping applies for a given norm (1 when no clipping is needed or `maxNorm` is 0 = off). */
export function clipCoefficient(norm: number, maxNorm: number): number {
  if (!(maxNorm > 0)) return 1;
  const coef = maxNorm / (norm + 1e-6);
  return Math.min(coef, 1);
}

/**
 * Scales every gradient by `coef` in place of the map (old tensors are disposed). Does nothing when `coef` is 1.
 */
export function scaleGradients(grads: Map<string, tf.Tensor>, coef: number): void {
  if (coef === 1) return;
  const c = tf.scalar(coef, 'float32');
  for (const [name, g] of grads) {
    grads.set(name, tf.mul(g, c));
    g.dispose();
  }
  c.dispose();
}
