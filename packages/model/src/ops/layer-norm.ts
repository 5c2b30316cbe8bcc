/** LayerNorm over the last axis with biased variance (PyTorch's): (x − mean) / sqrt(var + ε) · γ + β. */
import { FusedKernel } from '@selfsup/core';
import * as tf from '@tensorflow/tfjs-core';
import { customOp, runKernel, useFused } from './fused.js';

/** x [N, C], gamma [C], beta [C] or undefined (no bias) → [N, C]. */
export function layerNorm(
  x: tf.Tensor2D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D | undefined,
  epsilon: number,
): tf.Tensor2D {
  if (useFused(FusedKernel.LayerNorm, FusedKernel.LayerNormGrad)) {
    return tf.tidy(() => {
      const b = beta ?? tf.zeros([x.shape[1]], 'float32');
      const op = customOp(([xx, g, bb], save) => {
        const [y, mean, rstd] = runKernel(FusedKernel.LayerNorm, { x: xx, gamma: g, beta: bb }, { epsilon });
        save([xx, g, mean, rstd]);
        return {
          value: y,
          gradFunc: (dy, [sx, sg, sm, sr]) =>
            runKernel(FusedKernel.LayerNormGrad, { dy, x: sx, gamma: sg, mean: sm, rstd: sr }),
        };
      });
      return op(x, gamma, b) as tf.Tensor2D;
    });
  }
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    const y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, epsilon)));
    const scaled = tf.mul(y, gamma);
    return (beta ? tf.add(scaled, beta) : scaled) as tf.Tensor2D;
  });
}
