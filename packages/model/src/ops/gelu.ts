/**
 * GELU in Hugging Face's two forms: `gelu_new` (tanh approximation, GPT-2; fused kernel when available) and `gelu`
 * (exact, x · Φ(x) with erf, BERT).
 */
import { FusedKernel } from '@selfsup/core';
import * as tf from '@tensorflow/tfjs-core';
import { customOp, runKernel, useFused } from './fused.js';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** 0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³))) */
export function geluTanh<T extends tf.Tensor>(x: T): T {
  if (useFused(FusedKernel.Gelu, FusedKernel.GeluGrad)) {
    const op = customOp(([xx], save) => {
      save([xx]);
      return {
        value: runKernel(FusedKernel.Gelu, { x: xx })[0],
        gradFunc: (dy, [sx]) => runKernel(FusedKernel.GeluGrad, { dy, x: sx })[0],
      };
    });
    return op(x) as T;
  }
  return tf.tidy(() => {
    const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)), SQRT_2_OVER_PI);
    return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1)) as T;
  });
}

/** 0.5 · x · (1 + erf(x / √2)) */
export function geluErf<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)) as T);
}

export function gelu<T extends tf.Tensor>(x: T, kind: 'gelu_new' | 'gelu'): T {
  return kind === 'gelu' ? geluErf(x) : geluTanh(x);
}
